/**
 * Property: for any sequence of host reports, what the engine leaves in a real
 * Redis equals a reference model folded over the domain events it emitted.
 */
import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngine, type Engine } from '../../../src/engine/engine.js'
import type { DomainEvent } from '../../../src/events/domain.js'
import { project } from '../../../projections/index.js'
import { applyWrites } from '../../../src/redis/apply.js'
import { createKeys } from '../../../src/redis/keys.js'
import { createLogger } from '../../../src/util/logger.js'
import { useRedis } from '../../support/redis.js'

const redis = useRedis()
let engine: Engine
let run = 0

beforeAll(() => {
  engine = createEngine({ redis: redis.url, prefix: 'p:', node: 'n1', logger: createLogger({ level: 'silent' }) })
})
afterAll(async () => engine.close())

const clientId = fc.constantFrom('c1', 'c2', 'c3')
const conn = fc.constantFrom('k1', 'k2', 'k3')
const filter = fc.constantFrom('a', 'a/b', 'a/+', '#', 'x/#')
const topic = fc.constantFrom('a', 'a/b', 'x/y', '$SYS/z')
const qos = fc.constantFrom(0, 1, 2)
const step = fc.integer({ min: 0, max: 5000 })

const report = fc.oneof(
  fc.record({ type: fc.constant('mqtt.connect'), clientId, connectionId: conn, cleanStart: fc.boolean(), dt: step }),
  fc.record({ type: fc.constant('mqtt.disconnect'), clientId, connectionId: conn, reason: fc.constantFrom('normal', 'closed'), dt: step }),
  fc.record({ type: fc.constant('mqtt.subscribe'), clientId, filter, qos, dt: step }),
  fc.record({ type: fc.constant('mqtt.unsubscribe'), clientId, filter, dt: step }),
  fc.record({ type: fc.constant('mqtt.publish'), clientId, topic, qos, retain: fc.boolean(), payload: fc.uint8Array({ maxLength: 6 }), dt: step }),
)

type Model = Map<string, Map<string, string>>

/** The reference model: Redis hashes as nested maps, folded over the domain events. */
function fold(events: readonly DomainEvent[], p: string): Model {
  const m: Model = new Map()
  const hash = (k: string) => m.get(k) ?? m.set(k, new Map()).get(k)!
  const secs = (ms: number) => String(Math.floor(ms / 1000))
  for (const e of events) {
    const id = e.meta.clientId
    switch (e.type) {
      case 'ClientConnected': {
        const h = hash(`${p}client:${id}`)
        h.set('state', '1').set('online_at', secs(e.meta.at))
        if (!h.has('offline_at')) h.set('offline_at', 'undefined')
        hash(`${p}node:${e.meta.node}`).set(id, secs(e.meta.at))
        break
      }
      case 'ClientDisconnected':
        hash(`${p}client:${id}`).set('state', '0').set('offline_at', secs(e.meta.at))
        hash(`${p}node:${e.meta.node}`).delete(id)
        break
      case 'SubscriptionAdded':
        hash(`${p}sub:${id}`).set(e.data.filter, String(e.data.qos))
        break
      case 'SubscriptionRemoved':
        hash(`${p}sub:${id}`).delete(e.data.filter)
        break
      case 'RetainedMessageSet':
        m.set(`${p}retain:${e.data.topic}`, new Map([
          ['id', e.data.msgId], ['from', id], ['qos', String(e.data.qos)], ['topic', e.data.topic],
          ['retain', 'true'], ['payload', e.data.payload.toString('latin1')], ['ts', secs(e.meta.at)],
        ]))
        break
      case 'RetainedMessageCleared':
        m.delete(`${p}retain:${e.data.topic}`)
        break
    }
  }
  for (const [k, h] of m) if (h.size === 0) m.delete(k)
  return m
}

async function dump(p: string): Promise<{ hashes: Model; index: string[] }> {
  const hashes: Model = new Map()
  for (const k of await redis.client.keys(`${p}*`)) {
    if (k === `${p}idx:retain`) continue
    const h = await redis.client.hgetallBuffer(k)
    hashes.set(k, new Map(Object.entries(h).map(([f, v]) => [f, v.toString('latin1')])))
  }
  return { hashes, index: await redis.client.zrange(`${p}idx:retain`, 0, -1) }
}

const sorted = (m: Model) => [...m].map(([k, h]) => [k, [...h].sort()] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1))

describe('projections vs reference model (real Redis)', () => {
  it('Redis state equals the model folded over the emitted domain events', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(report, { maxLength: 40 }), async (reports) => {
        run += 1
        // A fresh prefix per run: each run starts from an empty keyspace.
        const e = createEngine({ redis: redis.url, prefix: `r${run}:`, node: 'n1', logger: createLogger({ level: 'silent' }) })
        let at = 1_700_000_000_000
        const events: DomainEvent[] = []
        for (const { dt, ...r } of reports) {
          at += dt
          const res = await e.submit({ ...r, at })
          if (E.isRight(res)) events.push(...res.right.events)
        }
        await e.close()
        const { hashes, index } = await dump(`r${run}:`)
        expect(sorted(hashes)).toEqual(sorted(fold(events, `r${run}:`)))
        const retainedTopics = [...fold(events, `r${run}:`).keys()].filter((k) => k.startsWith(`r${run}:retain:`)).map((k) => k.slice(`r${run}:retain:`.length))
        expect(index.sort()).toEqual(retainedTopics.sort())
      }),
      { numRuns: 100 },
    )
  })

  it('applying the same events twice leaves the state applying them once left (idempotent)', async () => {
    const script = [
      { type: 'mqtt.connect', clientId: 'd', connectionId: 'k', at: 1_700_000_000_000 },
      { type: 'mqtt.subscribe', clientId: 'd', filter: 'a/#', qos: 1 },
      { type: 'mqtt.publish', clientId: 'd', topic: 'a/b', payload: 'v', qos: 1, retain: true },
      { type: 'mqtt.publish', clientId: 'd', topic: 'a/c', payload: 'w', qos: 0, retain: true },
      { type: 'mqtt.publish', clientId: 'd', topic: 'a/c', payload: '', qos: 0, retain: true },
      { type: 'mqtt.unsubscribe', clientId: 'd', filter: 'a/#' },
      { type: 'mqtt.disconnect', clientId: 'd', connectionId: 'k', reason: 'normal', at: 1_700_000_005_000 },
    ]
    const events: DomainEvent[] = []
    for (const r of script) {
      const res = await engine.submit(r)
      if (E.isRight(res)) events.push(...res.right.events)
    }
    const once = createKeys('once:')
    const twice = createKeys('twice:')
    await applyWrites(redis.client, events.flatMap((ev) => project(ev, once)))
    for (const ev of events) {
      // Each event delivered twice in a row, as an at-least-once log would.
      await applyWrites(redis.client, project(ev, twice))
      await applyWrites(redis.client, project(ev, twice))
    }
    const a = await dump('once:')
    const b = await dump('twice:')
    const strip = (m: Model, p: string) => sorted(m).map(([k, h]) => [k.slice(p.length), h])
    expect(a.hashes.size).toBeGreaterThan(0)
    expect(strip(b.hashes, 'twice:')).toEqual(strip(a.hashes, 'once:'))
    expect(b.index).toEqual(a.index)
  })
})
