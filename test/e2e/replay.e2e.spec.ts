/**
 * Rebuilding Redis from the event log, as a user would: run serve, drive
 * traffic with real clients, stop it, FLUSHDB, `mqtt-redis replay`, compare.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, describe, expect, it } from 'vitest'
import { dumpKeys } from '../support/dump.js'
import { useRedis } from '../support/redis.js'
import { startPump } from '../support/pump.js'
import { CLI, eventually, run, startServe } from '../support/serve.js'

const redis = useRedis()
const data = mkdtempSync(join(tmpdir(), 'mqtt-redis-replay-'))
afterAll(() => rmSync(data, { recursive: true, force: true }))

async function traffic(port: number): Promise<void> {
  const url = `mqtt://127.0.0.1:${port}`
  const c = (id: string, clean = true): Promise<MqttClient> => mqtt.connectAsync(url, { clientId: id, clean, reconnectPeriod: 0 })
  const sub = await c('sub-1')
  await sub.subscribeAsync({ 'pubsub/#': { qos: 1 }, 'home/+/temp': { qos: 0 } })
  const worker = await c('worker-1')
  await worker.subscribeAsync('queue/jobs', { qos: 1 })
  await worker.endAsync()
  const pub = await c('pub-1')
  for (let i = 0; i < 20; i++) {
    await pub.publishAsync(`pubsub/t${i % 3}`, `p${i}`, { qos: 1 })
    await pub.publishAsync('queue/jobs', Buffer.from([i, 0, 255]), { qos: 1 })
    await pub.publishAsync(`home/r${i % 4}/temp`, String(20 + i), { qos: 1, retain: true })
  }
  await pub.publishAsync('home/r0/temp', '', { qos: 1, retain: true }) // clears one retained message
  const w2 = await c('worker-2')
  await new Promise<void>((r) => {
    let n = 0
    w2.on('message', () => void (++n === 20 && r()))
    void w2.subscribeAsync('queue/jobs', { qos: 1 })
  })
  await sub.unsubscribeAsync('home/+/temp')
  await new Promise((r) => setTimeout(r, 200)) // acks of the last deliveries
  for (const x of [sub, pub, w2]) await x.endAsync()
}

describe('mqtt-redis replay', () => {
  it('rebuilds every key with the same values and TTLs after FLUSHDB, and a second replay changes nothing', async () => {
    const served = await startServe(['--redis', redis.url, '--data', data, '--node', 'rp'])
    try {
      await traffic(served.port)
    } finally {
      expect(await served.stop()).toBe(0)
    }
    const live = await dumpKeys(redis.client)
    expect(Object.keys(live).length).toBeGreaterThan(15)
    expect(live['mqtt:retain:home/r1/temp']).toBeDefined()
    expect(live['mqtt:retain:home/r0/temp']).toBeUndefined()

    await redis.client.flushdb()
    const r1 = await run(process.execPath, [CLI, 'replay', '--log', join(data, 'events'), '--redis', redis.url])
    expect(r1.code).toBe(0)
    expect(r1.stdout).toMatch(/replayed \d+ events in/)
    expect(await dumpKeys(redis.client)).toEqual(live)

    const r2 = await run(process.execPath, [CLI, 'replay', '--log', join(data, 'events'), '--redis', redis.url])
    expect(r2.stdout).toMatch(/replayed 0 events/)
    expect(await dumpKeys(redis.client)).toEqual(live)
  })

  it('mqtt-redis log prints the events as JSON lines, filtered by client and type', async () => {
    const r = await run(process.execPath, [CLI, 'log', '--log', join(data, 'events'), '--client', 'sub-1', '--type', 'SubscriptionAdded'])
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; meta: { clientId: string }; data: { filter: string } })
    expect(lines.map((l) => l.data.filter).sort()).toEqual(['home/+/temp', 'pubsub/#'])
    expect(lines.every((l) => l.type === 'SubscriptionAdded' && l.meta.clientId === 'sub-1')).toBe(true)
  })

  it('after a SIGKILL mid-traffic, the restarted server brings Redis to what a replay of its log gives', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mqtt-redis-kill-'))
    try {
      const first = await startServe(['--redis', redis.url, '--data', dir, '--node', 'k1', '--prefix', 'kill:'])
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${first.port}`, { clientId: 'pump', reconnectPeriod: 0 })
      c.on('error', () => undefined)
      const pump = startPump(c, 'pubsub/k')
      await eventually(async () => expect(pump.acked.length).toBeGreaterThan(300))
      await first.stop('SIGKILL')
      pump.stop()
      c.end(true)

      const second = await startServe(['--redis', redis.url, '--data', dir, '--node', 'k1', '--prefix', 'kill:'])
      const afterRestart = await dumpKeys(redis.client, 'kill:*')
      await second.stop()
      // What a full replay of the same log builds, in another database.
      const other = redis.url + '/1'
      const r = await run(process.execPath, [CLI, 'replay', '--log', join(dir, 'events'), '--redis', other, '--prefix', 'kill:', '--flush'])
      expect(r.code).toBe(0)
      const db1 = new Redis(other)
      const replayed = await dumpKeys(db1, 'kill:*')
      db1.disconnect()
      // The restart's own connects/disconnects came after; compare what the log held at the kill.
      const strip = (d: typeof afterRestart) => Object.fromEntries(Object.entries(d).filter(([k]) => k.startsWith('kill:retain:') || k.startsWith('kill:msg:')))
      expect(Object.keys(strip(replayed)).length).toBeGreaterThan(5)
      expect(strip(replayed)).toEqual(strip(afterRestart))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
