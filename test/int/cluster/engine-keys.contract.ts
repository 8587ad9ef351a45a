/**
 * The contract of the engine's own keys, run against each Redis topology
 * (one redis-server, a three-master Redis Cluster): projection writes, the
 * offline-message scripts, retained and subscription lookups, and a replay of
 * a generated log. Each case checks what it must (absolute values) and keeps
 * what it saw, with the prefix cut off, in `outcomes`, so the spec can then
 * require every topology to have seen exactly the same.
 *
 * On a cluster every key a case leaves must share one slot: that is what lets
 * its scripts and MULTI/EXEC run there at all (no CROSSSLOT).
 */
import fc from 'fast-check'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { project } from '../../../projections/index.js'
import { openAndCatchUp } from '../../../src/engine/startup.js'
import type { DomainEvent } from '../../../src/events/domain.js'
import type { HostMessage } from '../../../src/hosts/host.js'
import { openEventLog } from '../../../src/log/event-log.js'
import { readEventLog, readEventLogChunks } from '../../../src/log/reader.js'
import { countSessionSubscriptions, retainedPackets, sessionClientsOf, sessionSubscriptions, sessionSubscriptionsByTopic } from '../../../src/queries/session-store.query.js'
import { lookupRetained, matchingRetainedTopics } from '../../../src/queries/retained.query.js'
import { lookupSubscriptions } from '../../../src/queries/subscriptions.query.js'
import { applyWrites } from '../../../src/redis/apply.js'
import type { EngineRedis } from '../../../src/redis/connect.js'
import { createKeys } from '../../../src/redis/keys.js'
import { keysShareSlot } from '../../../src/redis/slot.js'
import { applyLog } from '../../../src/replay/apply-log.js'
import { createLogger } from '../../../src/util/logger.js'
import { dumpKeys, withoutPrefix, type Dump } from '../../support/dump.js'
import { Driver } from './engine-driver.js'

export interface Topology {
  readonly name: string
  /** Keys must share one slot here. */
  readonly cluster: boolean
  /** The client, once the test file's servers are up. */
  redis(): EngineRedis
  /** The prefix for `base` on this topology (`base:` on one server, `{base}:` on a cluster). */
  prefix(base: string): string
}

/** case -> topology -> what the case saw. */
export type Outcomes = Map<string, Map<string, unknown>>

const silent = createLogger({ level: 'silent' })
const text = (ms: readonly HostMessage[]): string[] => ms.map((m) => `${m.topic} ${m.payload.toString()}`)

/**
 * Register the contract's cases for one topology.
 *
 * @example
 * const outcomes: Outcomes = new Map()
 * engineKeysContract({ name: 'single', cluster: false, redis: () => redis.client, prefix: (b) => `${b}:` }, outcomes)
 */
export function engineKeysContract(t: Topology, outcomes: Outcomes): void {
  const keep = (name: string, value: unknown): void => {
    const m = outcomes.get(name) ?? new Map<string, unknown>()
    m.set(t.name, value)
    outcomes.set(name, m)
  }
  /** Everything under `prefix`, checked to share one slot on a cluster, with the prefix cut off. */
  const state = async (prefix: string): Promise<Dump> => {
    const raw = await dumpKeys(t.redis(), `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`)
    const names = Object.keys(raw)
    expect(names.length).toBeGreaterThan(0)
    if (t.cluster) expect(keysShareSlot(names), `keys under ${prefix} in one slot`).toBe(true)
    return withoutPrefix(raw, prefix)
  }

  describe(`the engine's keys on ${t.name}`, () => {
    it('projection writes: sessions, subscriptions, retained messages, persistent sessions; applied twice, the same', async () => {
      const prefix = t.prefix('ek-proj')
      const d = new Driver(t.redis(), prefix)
      const events: DomainEvent[] = []
      const run = async (r: Record<string, unknown>): Promise<void> => void events.push(...(await d.submit(r)))
      await run({ type: 'mqtt.connect', clientId: 'dev-1', connectionId: 'k1', cleanStart: true })
      await run({ type: 'mqtt.subscribe', clientId: 'dev-1', filter: 'a/#', qos: 1 })
      await run({ type: 'mqtt.subscribe', clientId: 'dev-1', filter: 'x/+', qos: 0 })
      await run({ type: 'mqtt.publish', clientId: 'dev-1', topic: 'a/b', payload: 'v1', qos: 1, retain: true })
      await run({ type: 'mqtt.publish', clientId: 'dev-1', topic: 'a/c', payload: 'w', qos: 0, retain: true })
      await run({ type: 'mqtt.publish', clientId: 'dev-1', topic: 'a/c', payload: '', qos: 0, retain: true })
      await run({ type: 'mqtt.unsubscribe', clientId: 'dev-1', filter: 'x/+' })
      d.now += 5_000
      await run({ type: 'mqtt.disconnect', clientId: 'dev-1', connectionId: 'k1', reason: 'normal' })
      await run({ type: 'session.subscribe', clientId: 'p1', filter: 'a/+', qos: 1, options: { nl: false, rap: false, rh: 0 }, stored: JSON.stringify({ topic: 'a/+', qos: 1 }) })
      await run({ type: 'session.subscribe', clientId: 'p2', filter: 'a/b', qos: 2, options: { nl: false, rap: false, rh: 0 }, stored: JSON.stringify({ topic: 'a/b', qos: 2 }) })
      await run({ type: 'session.subscribe', clientId: 'p3', filter: 'a/b', qos: 0, options: { nl: false, rap: false, rh: 0 }, stored: JSON.stringify({ topic: 'a/b', qos: 0 }) })
      await run({ type: 'mqtt.unsubscribe', clientId: 'p3', filter: 'a/b' })
      const once = await state(prefix)
      expect(once['client:dev-1']?.value).toEqual([['offline_at', b64('1800000005')], ['online_at', b64('1800000000')], ['state', b64('0')]])
      expect(once['sub:dev-1']?.value).toEqual([['a/#', b64('1')]])
      expect(Object.keys(once).filter((k) => k.startsWith('retain:'))).toEqual(['retain:a/b'])
      expect(once['idx:retain']?.value).toEqual(['a/b', '0'])
      // Delivered twice (an at-least-once log): nothing changes.
      const again = await applyWrites(t.redis(), events.flatMap((e) => project(e, d.keys)))
      expect(again.errors).toEqual([])
      expect(await state(prefix)).toEqual(once)
      d.stop()
      keep('projections', once)
    })

    it('offline messages: store, fetch (queue, pubsub, latest, wildcards), ack, release, sweep', async () => {
      const prefix = t.prefix('ek-off')
      const d = new Driver(t.redis(), prefix, { offline: { latest: ['latest/#'], pubsubStart: 'oldest', expiredTimeSec: 100 } })
      const seen: Record<string, unknown> = {}
      const pub = (topic: string, payload: string, extra: Record<string, unknown> = {}) => d.submit({ type: 'mqtt.publish', clientId: 'pub', topic, payload, qos: 1, ...extra })
      const ack = async (clientId: string, ms: readonly HostMessage[]): Promise<void> => {
        for (const m of ms) await d.submit({ type: 'mqtt.ack', clientId, topic: m.topic, msgId: m.msgId })
      }
      let conn = 0
      const session = async (clientId: string, filter: string): Promise<string> => {
        const connectionId = `k${++conn}`
        await d.submit({ type: 'mqtt.connect', clientId, connectionId })
        await d.submit({ type: 'mqtt.subscribe', clientId, filter, qos: 1 })
        return connectionId
      }
      const leave = (clientId: string, connectionId: string) => d.submit({ type: 'mqtt.disconnect', clientId, connectionId })

      for (let i = 1; i <= 4; i++) await pub('queue/jobs', `j${i}`) // storeMessage
      await pub('pubsub/k/temp', 'k1')
      await pub('pubsub/h/temp', 'h1')
      await pub('pubsub/k/temp', 'k2')
      await pub('latest/t', 'v1') // storeLatest
      await pub('latest/t', 'v2')
      seen['stored'] = await state(prefix)

      // queue: claimQueue holds; ackQueue consumes; releaseHolds gives the rest back.
      const ka = await session('A', 'queue/jobs')
      const a = d.host.take('A')
      expect(text(a)).toEqual(['queue/jobs j1', 'queue/jobs j2', 'queue/jobs j3', 'queue/jobs j4'])
      await ack('A', a.slice(0, 2))
      await leave('A', ka)
      await session('B', 'queue/#')
      seen['queue'] = { A: text(a), B: text(d.host.take('B')) }
      expect(seen['queue']).toEqual({ A: text(a), B: ['queue/jobs j3', 'queue/jobs j4'] })

      // pubsub with a wildcard: markSince, cursor per topic; ackPubsub moves it forward.
      const kw = await session('W', 'pubsub/+/temp')
      const w = d.host.take('W')
      expect(text(w).sort()).toEqual(['pubsub/h/temp h1', 'pubsub/k/temp k1', 'pubsub/k/temp k2'])
      await ack('W', w)
      await leave('W', kw)
      await pub('pubsub/h/temp', 'h2')
      await session('W', 'pubsub/+/temp')
      seen['pubsub'] = { first: text(w), second: text(d.host.take('W')) }
      expect((seen['pubsub'] as { second: string[] }).second).toEqual(['pubsub/h/temp h2'])

      // keep-latest: only the newest; ackLatest records it.
      const kl = await session('L', 'latest/#')
      const l = d.host.take('L')
      expect(text(l)).toEqual(['latest/t v2'])
      await ack('L', l)
      await leave('L', kl)
      await session('L', 'latest/t')
      expect(d.host.take('L')).toEqual([])
      seen['latest'] = text(l)

      // expiry: a short-lived message expires first; the sweep takes its index entries, then everything else.
      await pub('pubsub/short', 'soon', { expiryIntervalSec: 5 })
      d.now += 6_000
      await session('S', 'pubsub/#')
      seen['afterExpiry'] = text(d.host.take('S'))
      expect(seen['afterExpiry']).not.toContain('pubsub/short soon')
      seen['sweep1'] = await d.sweep()
      expect(seen['sweep1']).toBe(1)
      seen['beforeSweep'] = await state(prefix)
      d.now += 200_000
      seen['sweep2'] = await d.sweep()
      expect(seen['sweep2']).toBeGreaterThan(0)
      const after = await state(prefix)
      expect(after['idx:expiry']).toBeUndefined()
      // Only the keep-latest topic stays indexed: its pointer expires in Redis's own time, not the test clock's.
      expect(after['idx:msg_topics']?.value).toEqual(['latest/t', '0'])
      seen['afterSweep'] = after
      d.stop()
      keep('offline', seen)
    })

    it('retained lookups with wildcards, paging through the index', async () => {
      const prefix = t.prefix('ek-ret')
      const d = new Driver(t.redis(), prefix)
      const topics = ['a', 'a/b', 'a/b/c', 'a/x/c', 'ab/c', '$SYS/broker/x', 'b/ü/c', 'a/', 'we{ird}/t']
      for (const topic of topics) await d.submit({ type: 'mqtt.publish', clientId: 'p', topic, payload: `v:${topic}`, qos: 1, retain: true })
      // More than a page (1000) of the index, written as one batch.
      const many: DomainEvent[] = []
      for (let i = 0; i < 1100; i++) many.push(...d.decide({ type: 'mqtt.publish', clientId: 'p', topic: `many/${i}`, payload: 'x', qos: 0, retain: true }))
      expect((await applyWrites(t.redis(), many.flatMap((e) => project(e, d.keys)))).errors).toEqual([])
      const filters: Array<[string, string[]]> = [
        ['a/b', ['a/b']],
        ['a/+/c', ['a/b/c', 'a/x/c']],
        ['a/#', ['a', 'a/', 'a/b', 'a/b/c', 'a/x/c']],
        ['+/b', ['a/b']],
        ['+/+/c', ['a/b/c', 'a/x/c', 'b/ü/c']],
        ['$SYS/#', ['$SYS/broker/x']],
        ['we{ird}/+', ['we{ird}/t']],
        ['nothing/+', []],
      ]
      const matched: Record<string, string[]> = {}
      for (const [filter, want] of filters) {
        matched[filter] = (await matchingRetainedTopics(t.redis(), d.keys, filter)).sort()
        expect(matched[filter], filter).toEqual([...want].sort())
      }
      const all = await matchingRetainedTopics(t.redis(), d.keys, '#')
      expect(all).not.toContain('$SYS/broker/x') // [MQTT-4.7.2-1]
      expect(all.length).toBe(topics.length - 1 + 1100)
      const found = (await lookupRetained(t.redis(), d.keys, 'a/+/c')).map((m) => [m.topic, m.payload.toString(), m.from, m.qos]).sort()
      expect(found).toEqual([['a/b/c', 'v:a/b/c', 'p', 1], ['a/x/c', 'v:a/x/c', 'p', 1]])
      const packets = (await retainedPackets(t.redis(), d.keys, ['a/#', '+/b'])).map((p) => String(p['topic'])).sort()
      // A new subscription gets them through the reaction, QoS capped by the grant.
      await d.submit({ type: 'mqtt.connect', clientId: 's', connectionId: 'k' })
      await d.submit({ type: 'mqtt.subscribe', clientId: 's', filter: 'a/+/c', qos: 0 })
      const delivered = d.host.take('s').map((m) => `${m.topic} ${m.payload.toString()} q${m.qos} r${String(m.retain)}`).sort()
      expect(delivered).toEqual(['a/b/c v:a/b/c q0 rtrue', 'a/x/c v:a/x/c q0 rtrue'])
      d.stop()
      keep('retained', { matched, all: all.length, found, packets, delivered })
    })

    it('subscription lookups: stored subscriptions restored on reconnect, persistent sessions by topic', async () => {
      const prefix = t.prefix('ek-subs')
      const d = new Driver(t.redis(), prefix)
      await d.submit({ type: 'mqtt.connect', clientId: 'c1', connectionId: 'k1' })
      for (const [filter, qos] of [['a/#', 1], ['b', 2], ['+/c', 0]] as const) await d.submit({ type: 'mqtt.subscribe', clientId: 'c1', filter, qos })
      await d.submit({ type: 'mqtt.disconnect', clientId: 'c1', connectionId: 'k1' })
      await d.submit({ type: 'mqtt.connect', clientId: 'c1', connectionId: 'k2' })
      const restored = [...(d.host.restored.get('c1') ?? [])].sort((x, y) => (x.filter < y.filter ? -1 : 1))
      expect(restored).toEqual([{ filter: '+/c', qos: 0 }, { filter: 'a/#', qos: 1 }, { filter: 'b', qos: 2 }])
      expect((await lookupSubscriptions(t.redis(), d.keys, 'c1')).length).toBe(3)
      const sub = (clientId: string, filter: string, qos: number) =>
        d.submit({ type: 'session.subscribe', clientId, filter, qos, options: { nl: false, rap: false, rh: 0 }, stored: JSON.stringify({ topic: filter, qos }) })
      await sub('p1', 'a/+', 1)
      await sub('p1', 'x/#', 2)
      await sub('p2', 'a/b', 1)
      await sub('p3', 'a/b', 0)
      const byTopic = (await sessionSubscriptionsByTopic(t.redis(), d.keys, 'a/b')).map((s) => `${s.clientId} ${s.topic} ${s.qos}`).sort()
      expect(byTopic).toEqual(['p1 a/+ 1', 'p2 a/b 1'])
      const counts = await countSessionSubscriptions(t.redis(), d.keys)
      expect(counts).toEqual({ subsCount: 3, clientsCount: 3 })
      const ofFilter = await sessionClientsOf(t.redis(), d.keys, 'a/b')
      const p1 = (await sessionSubscriptions(t.redis(), d.keys, 'p1')).map((s) => s.topic)
      d.stop()
      keep('subscriptions', { restored, byTopic, counts, ofFilter, p1, state: await state(prefix) })
    })

    it('replay of a generated log, and startup catch-up, rebuild the live state', async () => {
      const live = t.prefix('ek-live')
      const dir = mkdtempSync(join(tmpdir(), 'mqtt-redis-cluster-log-'))
      try {
        const log = await openEventLog({ dir, durability: { mode: 'never' } })
        const d = new Driver(t.redis(), live, { log, reactions: false, offline: { latest: ['latest/#'] } })
        const stored: Array<{ topic: string; msgId: string }> = []
        for (const step of workload()) {
          d.now += step.dt
          if ('ack' in step) {
            const m = stored[step.ack.n % Math.max(1, stored.length)]
            if (m) await d.submit({ type: 'mqtt.ack', clientId: step.ack.clientId, topic: m.topic, msgId: m.msgId })
            continue
          }
          for (const e of await d.submit(step.report)) if (e.type === 'MessageStored') stored.push({ topic: e.data.topic, msgId: e.data.msgId })
        }
        await log.close()
        d.stop()
        expect(stored.length).toBeGreaterThan(0)
        const want = await state(live)
        expect(want['idx:checkpoint']).toBeDefined()
        let n = 0
        for (const [batch, exclusive] of [[1, false], [7, true], [1000, false], [1000, true]] as const) {
          const p = t.prefix(`ek-replay${++n}`)
          const r = await applyLog(t.redis(), createKeys(p), readEventLogChunks(dir), { batch, exclusive })
          expect(r.commandErrors, `batch ${batch} exclusive ${exclusive}`).toBe(0)
          expect(await state(p), `batch ${batch} exclusive ${exclusive}`).toEqual(want)
        }
        // Startup: a Redis that lacks the whole log catches up from its checkpoint (none).
        const fresh = t.prefix('ek-startup')
        const reopened = await openAndCatchUp({ dir }, { redis: t.redis(), keys: createKeys(fresh), node: 'n1', logger: silent })
        await reopened.close()
        expect(await state(fresh)).toEqual(want)
        let records = 0
        for await (const _ of readEventLog(dir)) records++
        keep('replay', { records, state: want })
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  })
}

function b64(s: string): string {
  return Buffer.from(s).toString('base64')
}

type Step = { readonly dt: number } & ({ readonly report: Readonly<Record<string, unknown>> } | { readonly ack: { readonly clientId: string; readonly n: number } })

/** A small generated workload, the same on every topology (fixed seed); an ack names the n-th stored message so far. */
function workload(): Step[] {
  const clientId = fc.constantFrom('c1', 'c2', 'c3')
  const connectionId = fc.constantFrom('k1', 'k2')
  const topic = fc.constantFrom('queue/a', 'pubsub/a', 'pubsub/b', 'plain/x', 'latest/l')
  const filter = fc.constantFrom('queue/a', 'pubsub/#', 'pubsub/+', 'plain/x', '#')
  const dt = fc.integer({ min: 0, max: 3000 })
  const report = fc.oneof(
    fc.record({ type: fc.constant('mqtt.connect'), clientId, connectionId }),
    fc.record({ type: fc.constant('mqtt.disconnect'), clientId, connectionId }),
    fc.record({ type: fc.constant('mqtt.subscribe'), clientId, filter, qos: fc.constantFrom(0, 1, 2) }),
    fc.record({ type: fc.constant('mqtt.unsubscribe'), clientId, filter }),
    fc.record({ type: fc.constant('mqtt.publish'), clientId, topic, qos: fc.constantFrom(1, 2), retain: fc.boolean(), payload: fc.uint8Array({ maxLength: 5 }).map((u) => Buffer.from(u)) }),
  )
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ dt, report }),
    fc.record({ dt, ack: fc.record({ clientId, n: fc.nat(20) }) }),
  )
  return fc.sample(fc.array(step, { minLength: 80, maxLength: 80 }), { seed: 20240601, numRuns: 1 })[0] ?? []
}
