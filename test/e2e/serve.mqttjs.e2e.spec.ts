/**
 * `mqtt-redis serve` driven by MQTT.js clients: binary payloads, session
 * takeover, graceful shutdown.
 */
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useRedis } from '../support/redis.js'
import { startPump } from '../support/pump.js'
import { eventually, startServe, type Served } from '../support/serve.js'

const redis = useRedis()
let served: Served
const clients: MqttClient[] = []

async function connect(clientId: string, opts: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${served.port}`, { clientId, reconnectPeriod: 0, ...opts })
  clients.push(c)
  return c
}

beforeAll(async () => {
  served = await startServe(['--redis', redis.url, '--node', 'js-node'])
})
afterAll(async () => {
  for (const c of clients) c.end(true)
  await served?.stop()
})

describe('serve with MQTT.js clients', () => {
  it('delivers a binary retained payload byte-exact, from Redis, to a later subscriber', async () => {
    const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x80, 0x7f])
    const p = await connect('bin-pub')
    await p.publishAsync('bin/blob', bytes, { qos: 1, retain: true })
    const stored = await redis.client.hgetBuffer('mqtt:retain:bin/blob', 'payload')
    expect(stored?.equals(bytes)).toBe(true)

    const s = await connect('bin-sub')
    const got = new Promise<{ topic: string; payload: Buffer; retain: boolean }>((r) =>
      s.once('message', (topic, payload, packet) => r({ topic, payload, retain: packet.retain })),
    )
    await s.subscribeAsync('bin/#', { qos: 1 })
    const m = await got
    expect(m.topic).toBe('bin/blob')
    expect(m.retain).toBe(true)
    expect(m.payload.equals(bytes)).toBe(true)
  })

  it('keeps a client online when a new connection takes its session over', async () => {
    const first = await connect('twin')
    first.on('error', () => undefined)
    await eventually(async () => expect(await redis.client.hget('mqtt:client:twin', 'state')).toBe('1'))
    const second = await connect('twin')
    // The broker closes the first connection; its late disconnect must not mark the client offline.
    await eventually(async () => expect(first.connected).toBe(false))
    await new Promise((r) => setTimeout(r, 200))
    expect(await redis.client.hget('mqtt:client:twin', 'state')).toBe('1')
    expect(await redis.client.hexists('mqtt:node:js-node', 'twin')).toBe(1)
    await second.endAsync()
    await eventually(async () => expect(await redis.client.hget('mqtt:client:twin', 'state')).toBe('0'))
  })

  it('on SIGTERM, every QoS 1 publish the broker acknowledged is in Redis', async () => {
    const local = await startServe(['--redis', redis.url, '--node', 'js-node-2', '--prefix', 'term:'])
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${local.port}`, { clientId: 'burst', reconnectPeriod: 0 })
    c.on('error', () => undefined)
    // Keep publishing until the server is gone, so SIGTERM lands mid-traffic.
    const pump = startPump(c, 'burst/')
    const acked = pump.acked
    await eventually(async () => expect(acked.length).toBeGreaterThan(200))
    const code = await local.stop('SIGTERM')
    pump.stop()
    // MQTT.js keeps unacknowledged publishes pending across a lost connection; look only at what was acked.
    const ackedBeforeExit = [...acked]
    c.end(true)
    expect(code).toBe(0)
    expect(local.output()).toContain('all accepted events are in redis')
    expect(ackedBeforeExit.length).toBeGreaterThan(20)
    for (const t of ackedBeforeExit) expect(await redis.client.hget(`term:retain:${t}`, 'payload')).toBe(`v${t.slice('burst/'.length)}`)
  })
})
