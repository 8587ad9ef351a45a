/**
 * The statistics rules with the engine embedded in an application's own
 * Aedes broker: the configuration passed to createEngine as a plain object
 * (examples/statistics.json, parsed), and the application's own
 * authorizePublish / authorizeSubscribe hooks, whose verdicts the
 * `client.check_authz_complete` rules count.
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { Aedes } from 'aedes'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngine, type Engine } from '../../src/engine/engine.js'
import { attachAedes } from '../../src/hosts/aedes/adapter.js'
import { retainedByEngine } from '../../src/hosts/aedes/persistence.js'
import { aedesPersistence } from '../../src/hosts/aedes/redis-persistence.js'
import { createLogger } from '../../src/util/logger.js'
import { useRedis } from '../support/redis.js'
import { eventually } from '../support/serve.js'

const redis = useRedis()
let engine: Engine
let aedes: Aedes
let server: Server
let detach: () => void
let port = 0

beforeAll(async () => {
  const json: unknown = JSON.parse(readFileSync(new URL('../../examples/statistics.json', import.meta.url), 'utf8'))
  const backend = { ...(json as Record<string, unknown>), pools: { pool1: { server: `127.0.0.1:${redis.port}` } } }
  engine = createEngine({ redis: redis.url, backend, node: 'embedded', logger: createLogger({ level: 'silent' }) })
  aedes = await Aedes.createBroker({
    persistence: retainedByEngine(aedesPersistence({ engine })),
    authorizePublish: (_client, packet, cb) => cb(packet.topic.startsWith('forbidden/') ? new Error('not allowed') : null),
    authorizeSubscribe: (_client, sub, cb) => cb(null, sub.topic.startsWith('secret/') ? null : sub),
  })
  detach = attachAedes(engine, aedes)
  server = createServer(aedes.handle)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const a = server.address()
  port = typeof a === 'object' && a !== null ? a.port : 0
})
afterAll(async () => {
  server?.close()
  await new Promise<void>((r) => aedes.close(() => r()))
  detach?.()
  await engine?.close()
})

describe('statistics rules in an embedding application', () => {
  it("counts the application's own authorization verdicts, by source, result and action", async () => {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'app-dev', reconnectPeriod: 0 })
    await expect(c.subscribeAsync('secret/keys', { qos: 1 })).rejects.toThrow(/Subscribe error/) // SUBACK 0x80
    const granted = await c.subscribeAsync('public/news', { qos: 1 })
    expect(granted.map((g) => g.qos)).toEqual([1])
    await c.publishAsync('public/news', 'hello', { qos: 1 })
    c.on('error', () => undefined)
    c.publish('forbidden/x', 'no', { qos: 0 }) // MQTT 3.1.1: a refused publish closes the connection
    await eventually(async () => {
      expect(await redis.client.hgetall('authz_result')).toEqual({ 'deny:subscribe': '1', 'allow:subscribe': '1', 'allow:publish': '1', 'deny:publish': '1' })
      expect(await redis.client.hgetall('authz_source')).toEqual({ aedes: '4' })
      expect(await redis.client.hgetall('disconnected_reason')).toEqual({ 'not allowed': '1' })
    })
    expect(engine.stats().ruleCommands).toBeGreaterThanOrEqual(9)
    expect(engine.stats().ruleCommandErrors).toBe(0)
    c.end(true)
  })
})
