/**
 * Offline messages through the engine, against a real redis-server: queue,
 * pubsub and keep-latest, acks, cursors, expiry and wildcards.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createEngine, type Engine } from '../../../src/engine/engine.js'
import type { HostMessage } from '../../../src/hosts/host.js'
import { createLogger } from '../../../src/util/logger.js'
import { RecordingHost } from '../../support/recording-host.js'
import { useRedis } from '../../support/redis.js'

const redis = useRedis()
const engines: Engine[] = []
let n = 0
let now = Date.now()

function start(opts: Parameters<typeof createEngine>[0] = {}, prefix = `o${++n}:`): { engine: Engine; host: RecordingHost } {
  const engine = createEngine({ redis: redis.url, prefix, node: `node-${engines.length}`, logger: createLogger({ level: 'silent' }), clock: () => now, sweepIntervalMs: 0, ...opts })
  const host = new RecordingHost()
  engine.attach(host)
  engines.push(engine)
  return { engine, host }
}
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close()
})

const text = (ms: readonly HostMessage[]) => ms.map((m) => `${m.topic} ${m.payload.toString()}`)
let conn = 0
async function session(e: Engine, clientId: string, filters: Array<[string, 0 | 1 | 2]>): Promise<string> {
  const connectionId = `k${++conn}`
  await e.submit({ type: 'mqtt.connect', clientId, connectionId })
  for (const [filter, qos] of filters) await e.submit({ type: 'mqtt.subscribe', clientId, filter, qos })
  await e.flush()
  return connectionId
}
const settle = (e: Engine): Promise<void> => e.settled()
const publish = (e: Engine, topic: string, payload: string, qos: 0 | 1 | 2 = 1, extra: Record<string, unknown> = {}) =>
  e.submit({ type: 'mqtt.publish', clientId: 'pub', topic, payload, qos, ...extra })
const ackAll = async (e: Engine, clientId: string, ms: readonly HostMessage[]) => {
  for (const m of ms) await e.submit({ type: 'mqtt.ack', clientId, topic: m.topic, msgId: m.msgId })
}

describe('pubsub (one-to-many)', () => {
  it('a subscriber that was away gets exactly what it missed, in order, and nothing again after acking', async () => {
    const { engine: e, host } = start()
    const k = await session(e, 'sub', [['pubsub/x', 1]])
    await settle(e)
    expect(host.take('sub')).toEqual([]) // first subscription starts at the latest message
    await e.submit({ type: 'mqtt.disconnect', clientId: 'sub', connectionId: k })
    for (let i = 1; i <= 5; i++) await publish(e, 'pubsub/x', `m${i}`)
    const k2 = await session(e, 'sub', [['pubsub/x', 1]])
    await settle(e)
    const got = host.take('sub')
    expect(text(got)).toEqual(['pubsub/x m1', 'pubsub/x m2', 'pubsub/x m3', 'pubsub/x m4', 'pubsub/x m5'])
    await ackAll(e, 'sub', got)
    await e.submit({ type: 'mqtt.disconnect', clientId: 'sub', connectionId: k2 })
    await session(e, 'sub', [['pubsub/x', 1]])
    await settle(e)
    expect(host.take('sub')).toEqual([])
    expect(await redis.client.get(`${e.keys.prefix}acked:sub:pubsub/x`)).toBe(got[4]?.msgId)
  })

  it('an ack never moves the cursor back, and one cursor per client', async () => {
    const { engine: e, host } = start({ offline: { pubsubStart: 'oldest' } })
    for (let i = 1; i <= 3; i++) await publish(e, 'pubsub/y', `m${i}`)
    const k = await session(e, 'a', [['pubsub/y', 1]])
    await session(e, 'b', [['pubsub/y', 1]])
    await settle(e)
    const a = host.take('a')
    expect(text(a)).toEqual(['pubsub/y m1', 'pubsub/y m2', 'pubsub/y m3'])
    expect(text(host.take('b'))).toEqual(['pubsub/y m1', 'pubsub/y m2', 'pubsub/y m3'])
    await ackAll(e, 'a', [a[2] as HostMessage, a[0] as HostMessage]) // newest first, then an old one
    await e.submit({ type: 'mqtt.disconnect', clientId: 'a', connectionId: k })
    await session(e, 'a', [['pubsub/y', 1]])
    await settle(e)
    expect(host.take('a')).toEqual([])
  })

  it('a wildcard subscription gets every matching topic, each in its own order', async () => {
    const { engine: e, host } = start({ offline: { pubsubStart: 'oldest' } })
    await publish(e, 'pubsub/k/temp', 'k1')
    await publish(e, 'pubsub/h/temp', 'h1')
    await publish(e, 'pubsub/k/temp', 'k2')
    await publish(e, 'pubsub/h/hum', 'x')
    await publish(e, 'pubsub/h/temp', 'h2')
    await session(e, 'w', [['pubsub/+/temp', 1]])
    await settle(e)
    const got = text(host.take('w'))
    expect(got.filter((t) => t.startsWith('pubsub/k/'))).toEqual(['pubsub/k/temp k1', 'pubsub/k/temp k2'])
    expect(got.filter((t) => t.startsWith('pubsub/h/'))).toEqual(['pubsub/h/temp h1', 'pubsub/h/temp h2'])
    expect(got).toHaveLength(4)
  })

  it('a cursor whose message expired still delivers everything newer', async () => {
    const { engine: e, host } = start({ offline: { pubsubStart: 'oldest', expiredTimeSec: 60 }, sweepGraceMs: 0 })
    await publish(e, 'pubsub/z', 'old')
    const k = await session(e, 'c', [['pubsub/z', 1]])
    await settle(e)
    await ackAll(e, 'c', host.take('c'))
    await e.submit({ type: 'mqtt.disconnect', clientId: 'c', connectionId: k })
    now += 61_000 // 'old' expires
    expect(await e.sweep()).toBe(1)
    await publish(e, 'pubsub/z', 'new1')
    await publish(e, 'pubsub/z', 'new2')
    await session(e, 'c', [['pubsub/z', 1]])
    await settle(e)
    expect(text(host.take('c'))).toEqual(['pubsub/z new1', 'pubsub/z new2'])
  })
})

describe('late acks', () => {
  it('an ack of a pubsub message that expired meanwhile still moves the cursor past it (within the sweep grace)', async () => {
    const { engine: e, host } = start({ offline: { pubsubStart: 'oldest' } })
    await publish(e, 'pubsub/late', 'm1')
    await publish(e, 'pubsub/late', 'm2', 1, { expiryIntervalSec: 5 })
    const k = await session(e, 'c', [['pubsub/late', 1]])
    await settle(e)
    const got = host.take('c')
    expect(text(got)).toEqual(['pubsub/late m1', 'pubsub/late m2'])
    now += 6_000
    expect(await e.sweep()).toBe(0) // still inside the grace period
    await ackAll(e, 'c', [got[1] as HostMessage]) // acks only the later, now expired, one
    await e.submit({ type: 'mqtt.disconnect', clientId: 'c', connectionId: k })
    await session(e, 'c', [['pubsub/late', 1]])
    await settle(e)
    expect(host.take('c')).toEqual([])
  })

  it('keep-latest: an ack of an older message arriving after the newest one does not bring the newest back', async () => {
    const { engine: e, host } = start({ offline: { latest: ['latest/#'] } })
    await publish(e, 'latest/o', 'v1')
    await session(e, 'c', [['latest/o', 1]])
    await settle(e)
    const first = host.take('c')
    await publish(e, 'latest/o', 'v2')
    await session(e, 'c', [['latest/+', 1]])
    await settle(e)
    const second = host.take('c')
    expect(text(second)).toEqual(['latest/o v2'])
    await ackAll(e, 'c', second)
    await ackAll(e, 'c', first) // late ack of v1
    await session(e, 'c', [['latest/o', 1]])
    await settle(e)
    expect(host.take('c')).toEqual([])
  })
})

describe('queue (one-to-one)', () => {
  it('two consumers subscribing together split the backlog; an acked message is never fetched again; unacked ones go back', async () => {
    const { engine: e, host } = start()
    for (let i = 1; i <= 20; i++) await publish(e, 'queue/jobs', `j${i}`)
    const [ka] = await Promise.all([session(e, 'A', [['queue/jobs', 1]]), session(e, 'B', [['queue/jobs', 1]])])
    await settle(e)
    const a = host.take('A')
    const b = host.take('B')
    expect(a.length + b.length).toBe(20)
    const ids = new Set([...a, ...b].map((m) => m.msgId))
    expect(ids.size).toBe(20) // no message went to both
    // A acks half of what it got, then goes away: the rest is released.
    const half = a.slice(0, Math.floor(a.length / 2))
    await ackAll(e, 'A', half)
    await e.submit({ type: 'mqtt.disconnect', clientId: 'A', connectionId: ka as string })
    await session(e, 'C', [['queue/jobs', 1]])
    await settle(e)
    const c = host.take('C')
    expect(c.map((m) => m.msgId).sort()).toEqual(a.slice(half.length).map((m) => m.msgId).sort())
    for (const m of half) expect(await redis.client.exists(`${e.keys.prefix}msg:${m.msgId}`)).toBe(0)
  })

  it('a catch-all # subscriber does not drain the queue', async () => {
    const { engine: e, host } = start()
    await publish(e, 'queue/q2', 'v')
    await session(e, 'spy', [['#', 1]])
    await settle(e)
    expect(host.take('spy')).toEqual([])
    await session(e, 'worker', [['queue/#', 1]])
    await settle(e)
    expect(text(host.take('worker'))).toEqual(['queue/q2 v'])
  })
})

describe('keep-latest, QoS 0, expiry and bad input', () => {
  it('keep-latest delivers only the newest message, once acked not again', async () => {
    const { engine: e, host } = start({ offline: { latest: ['latest/#'] } })
    for (let i = 1; i <= 3; i++) await publish(e, 'latest/t', `v${i}`)
    await session(e, 'L', [['latest/#', 1]])
    await settle(e)
    const got = host.take('L')
    expect(text(got)).toEqual(['latest/t v3'])
    await ackAll(e, 'L', got)
    await session(e, 'L', [['latest/t', 1]])
    await settle(e)
    expect(host.take('L')).toEqual([])
    expect(await redis.client.get(`${e.keys.prefix}latest_msg:latest/t`)).toBe(got[0]?.msgId)
  })

  it('stores only QoS > 0; a QoS 0 subscription fetches nothing; expired messages are never delivered', async () => {
    const { engine: e, host } = start({ offline: { pubsubStart: 'oldest', expiredTimeSec: 100 }, sweepGraceMs: 0 })
    await publish(e, 'pubsub/q', 'zero', 0)
    await publish(e, 'pubsub/q', 'short', 1, { expiryIntervalSec: 5 })
    await publish(e, 'pubsub/q', 'long', 1)
    await session(e, 'z', [['pubsub/q', 0]])
    await settle(e)
    expect(host.take('z')).toEqual([])
    now += 6_000
    await session(e, 'y', [['pubsub/q', 1]])
    await settle(e)
    expect(text(host.take('y'))).toEqual(['pubsub/q long'])
    now += 100_000
    expect(await e.sweep()).toBe(2)
    expect(await redis.client.zcard(`${e.keys.prefix}msg:pubsub/q`)).toBe(0)
    expect(await redis.client.zcard(`${e.keys.prefix}idx:msg_topics`)).toBe(0)
    expect(await redis.client.zcard(`${e.keys.prefix}idx:expiry`)).toBe(0)
  })

  it('an ack for an unknown or already acked message changes nothing and breaks nothing', async () => {
    const { engine: e, host } = start({ offline: { pubsubStart: 'oldest' } })
    await publish(e, 'queue/u', 'keep')
    const r1 = await e.submit({ type: 'mqtt.ack', clientId: 'x', topic: 'queue/u', msgId: 'no-such-id' })
    const r2 = await e.submit({ type: 'mqtt.ack', clientId: 'x', topic: 'pubsub/u', msgId: 'no-such-id' })
    expect(r1._tag).toBe('Right')
    expect(r2._tag).toBe('Right')
    expect(await redis.client.exists(`${e.keys.prefix}idx:cursor:x`)).toBe(0)
    await session(e, 'w', [['queue/u', 1]])
    await settle(e)
    const got = host.take('w')
    expect(text(got)).toEqual(['queue/u keep'])
    await ackAll(e, 'w', got)
    await ackAll(e, 'w', got) // twice
    expect(await redis.client.zcard(`${e.keys.prefix}msg:queue/u`)).toBe(0)
  })
})

describe('two engine nodes sharing one Redis', () => {
  it('keep one publish order per topic and serve each other\'s stored messages', async () => {
    const prefix = `two${++n}:`
    const a = start({ offline: { pubsubStart: 'oldest' } }, prefix)
    const b = start({ offline: { pubsubStart: 'oldest' } }, prefix)
    for (let i = 1; i <= 6; i++) await publish(i % 2 ? a.engine : b.engine, 'pubsub/shared', `m${i}`)
    await session(b.engine, 'reader', [['pubsub/shared', 1]])
    await settle(b.engine)
    expect(text(b.host.take('reader'))).toEqual([1, 2, 3, 4, 5, 6].map((i) => `pubsub/shared m${i}`))
  })
})
