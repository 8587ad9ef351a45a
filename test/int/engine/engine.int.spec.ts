import * as E from 'fp-ts/lib/Either.js'
import { afterEach, describe, expect, it } from 'vitest'
import { createEngine, type Engine } from '../../../src/engine/engine.js'
import { createLogger } from '../../../src/util/logger.js'
import { useRedis } from '../../support/redis.js'

const redis = useRedis()
const logger = createLogger({ level: 'silent' })
let engine: Engine | undefined
let n = 0

/** Each test gets its own key prefix in the file's redis-server. */
function start(opts: Partial<Parameters<typeof createEngine>[0]> = {}): Engine {
  n += 1
  engine = createEngine({ redis: redis.url, prefix: `t${n}:`, node: 'n1', logger, clock: () => 1_700_000_000_000, ...opts })
  return engine
}

afterEach(async () => {
  await engine?.close()
  engine = undefined
})

describe('engine against a real redis-server', () => {
  it('writes client state, node membership, subscriptions and retained messages in the EMQX layout', async () => {
    const e = start()
    const p = e.keys.prefix
    await e.submit({ type: 'mqtt.connect', clientId: 'dev-1', connectionId: 'c1', cleanStart: true, at: 1_700_000_000_000 })
    expect(await redis.client.hgetall(`${p}client:dev-1`)).toEqual({ state: '1', online_at: '1700000000', offline_at: 'undefined' })
    expect(await redis.client.hgetall(`${p}node:n1`)).toEqual({ 'dev-1': '1700000000' })

    await e.submit({ type: 'mqtt.subscribe', clientId: 'dev-1', filter: 'a/+/c', qos: 1 })
    await e.submit({ type: 'mqtt.subscribe', clientId: 'dev-1', filter: 'x/#', qos: 2 })
    expect(await redis.client.hgetall(`${p}sub:dev-1`)).toEqual({ 'a/+/c': '1', 'x/#': '2' })
    await e.submit({ type: 'mqtt.unsubscribe', clientId: 'dev-1', filter: 'x/#' })
    expect(await redis.client.hgetall(`${p}sub:dev-1`)).toEqual({ 'a/+/c': '1' })

    await e.submit({ type: 'mqtt.disconnect', clientId: 'dev-1', connectionId: 'c1', reason: 'normal', at: 1_700_000_060_000 })
    expect(await redis.client.hgetall(`${p}client:dev-1`)).toEqual({ state: '0', online_at: '1700000000', offline_at: '1700000060' })
    expect(await redis.client.hgetall(`${p}node:n1`)).toEqual({})
  })

  it('keeps a binary retained payload byte-exact and removes it on an empty retained publish', async () => {
    const e = start()
    const bytes = Buffer.from([0, 255, 128, 10, 13, 0xc3, 0x28, 42])
    const r = await e.submit({ type: 'mqtt.publish', clientId: 'pub', topic: 'bin/t', payload: bytes, qos: 1, retain: true })
    expect(E.isRight(r)).toBe(true)
    const stored = await redis.client.hgetallBuffer(`${e.keys.prefix}retain:bin/t`)
    expect(stored['payload']?.equals(bytes)).toBe(true)
    expect(stored['from']?.toString()).toBe('pub')
    expect(stored['id']?.toString()).toMatch(/^[0-9A-Za-z]{20}$/)
    expect(await redis.client.zrange(e.keys.retainIndex(), 0, -1)).toEqual(['bin/t'])

    await e.submit({ type: 'mqtt.publish', clientId: 'pub', topic: 'bin/t', payload: Buffer.alloc(0), qos: 0, retain: true })
    expect(await redis.client.exists(`${e.keys.prefix}retain:bin/t`)).toBe(0)
    expect(await redis.client.zrange(e.keys.retainIndex(), 0, -1)).toEqual([])
  })

  it('rejects bad input with a typed error, counts it, and keeps going', async () => {
    const e = start({ limits: { maxPayloadBytes: 4 } })
    const bad = [
      { type: 'mqtt.connect', clientId: '', connectionId: 'c' },
      { type: 'mqtt.publish', clientId: 'a', topic: 'x/#', payload: 'p', qos: 0 },
      { type: 'mqtt.subscribe', clientId: 'a', filter: 'a/#/b', qos: 0 },
      { type: 'mqtt.publish', clientId: 'a', topic: 'x', payload: 'p', qos: 3 },
      { type: 'mqtt.publish', clientId: 'a', topic: 'x', payload: 'too long', qos: 0, retain: true },
      { type: 'mqtt.subscribe', clientId: 'a', filter: 'bad\ud800', qos: 0 },
      { type: 'nonsense' },
      null,
    ]
    const results = await Promise.all(bad.map((b) => e.submit(b)))
    const codes = results.map((r) => (E.isLeft(r) ? r.left.code : 'accepted'))
    expect(codes).toEqual(['empty_client_id', 'bad_topic', 'bad_topic_filter', 'bad_qos', 'payload_too_large', 'invalid_utf8', 'unknown_type', 'bad_shape'])
    expect(e.stats().rejected).toMatchObject({ empty_client_id: 1, bad_topic: 1, bad_qos: 1, payload_too_large: 1 })
    // Nothing was written for them, and the engine still works.
    expect(await redis.client.keys(`${e.keys.prefix}*`)).toEqual([])
    const ok = await e.submit({ type: 'mqtt.subscribe', clientId: 'a', filter: 'good', qos: 0 })
    expect(E.isRight(ok)).toBe(true)
    expect(await redis.client.hgetall(`${e.keys.prefix}sub:a`)).toEqual({ good: '0' })
  })

  it('batches many events into few round trips and keeps per-client order', async () => {
    const e = start()
    const all: Array<Promise<unknown>> = []
    for (let c = 0; c < 50; c++) {
      for (let q = 0; q < 20; q++) {
        // The last subscribe of each client wins: QoS must end at the last value.
        all.push(e.submit({ type: 'mqtt.subscribe', clientId: `c${c}`, filter: 't', qos: (q % 3) as 0 | 1 | 2 }))
      }
    }
    await Promise.all(all)
    const s = e.stats()
    expect(s.domainEvents).toBe(1000)
    expect(s.batches).toBeLessThan(100)
    for (let c = 0; c < 50; c++) expect(await redis.client.hget(`${e.keys.prefix}sub:c${c}`, 't')).toBe(String(19 % 3))
  })

  it('close() writes everything accepted before it, then refuses more', async () => {
    const e = start()
    const pending = []
    for (let i = 0; i < 500; i++) pending.push(e.submit({ type: 'mqtt.subscribe', clientId: `k${i}`, filter: 'f', qos: 1 }))
    await e.close()
    const results = await Promise.all(pending)
    expect(results.every(E.isRight)).toBe(true)
    const keys = await redis.client.keys(`${e.keys.prefix}sub:*`)
    expect(keys.length).toBe(500)
    await expect(e.submit({ type: 'mqtt.subscribe', clientId: 'late', filter: 'f', qos: 1 })).rejects.toThrow(/closed/)
  })
})
