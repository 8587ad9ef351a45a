/**
 * The scenarios with reads: retained messages set and then looked up by a
 * wildcard filter, and the fetch of a pubsub backlog on subscribe.
 */
import type { Redis } from 'ioredis'
import type { Keys } from '../../src/redis/keys.js'
import { fetchStored } from '../../src/queries/offline.query.js'
import { lookupRetained } from '../../src/queries/retained.query.js'
import { RespWriter } from '../../src/redis/resp.js'
import { literalPrefix, matches } from '../../src/topics/topic.js'
import {
  deriveWrites, engineContender, ioredisClient, ioredisContender, limitContender, openEngine, submitAll, type BenchContext, type Input,
} from './contenders.js'
import { closedLoop, measure, now, type ContenderName, type ContenderResult, type Prepared, type RunOutcome } from './measure.js'
import { drain, openPeer, PEER_BROKER_ID } from './peer.js'
import { RawReader } from './redis-io.js'
import { collectGarbage, flushAll, runEach, scenarioResult, type ScenarioResult } from './scenario.js'
import { PAYLOAD, warmOps, type WriteSize } from './write-scenarios.js'

// ---------------------------------------------------------------- retained

/** Retained topics are `${root}/<t % 10>/<t>`; a lookup of `${root}/<g>/+` matches a tenth of them. */
const GROUPS = 10
const ROOT = 'ret'
const WARM_ROOT = 'wret'

function retainedTopic(root: string, t: number): string {
  return `${root}/${t % GROUPS}/${t}`
}

function retainedInputs(n: number, size: WriteSize, root: string): Input[] {
  const out: Input[] = []
  for (let i = 0; i < n; i++) {
    out.push({ type: 'mqtt.publish', clientId: `${root}p${i % size.clients}`, topic: retainedTopic(root, i % size.topics), payload: PAYLOAD, qos: 1, retain: true })
  }
  return out
}

function lookupFilter(root: string, j: number): string {
  return `${root}/${j % GROUPS}/+`
}

/** Topics a lookup of group g finds once every topic has been set. */
function expectedMatches(topics: number, g: number): number {
  return Math.floor(topics / GROUPS) + (g % GROUPS < topics % GROUPS ? 1 : 0)
}

/**
 * A contender's timed run for this scenario: the sets (`sets`, filling
 * lat[0 .. n-1]), then `lookups` wildcard lookups one after the other
 * (lat[n ..]), each answering how many messages it found.
 */
function setsThenLookups(
  n: number,
  lookups: number,
  topics: number,
  sets: (lat: Float64Array) => Promise<number>,
  lookup: (filter: string) => Promise<number>,
): (lat: Float64Array) => Promise<RunOutcome> {
  return async (lat) => {
    const t0 = now()
    let errors = await sets(lat.subarray(0, n))
    const t1 = now()
    let found = 0
    for (let j = 0; j < lookups; j++) {
      const s = now()
      const got = await lookup(lookupFilter(ROOT, j))
      lat[n + j] = now() - s
      found += got
      if (got !== expectedMatches(topics, j)) errors++
    }
    const t2 = now()
    return {
      errors,
      extra: {
        setsPerSec: n / ((t1 - t0) / 1000),
        lookupsPerSec: lookups / ((t2 - t1) / 1000),
        lookupMeanMs: lookups > 0 ? (t2 - t1) / lookups : 0,
        messagesPerLookup: lookups > 0 ? found / lookups : 0,
      },
    }
  }
}

/** What the engine's retained query does, by hand: the index range of the filter's literal prefix, then every match's hash, pipelined. */
async function rawLookup(reader: RawReader, keys: Keys, filter: string): Promise<number> {
  const prefix = literalPrefix(filter)
  const w = new RespWriter(256)
  w.command(['ZRANGEBYLEX', keys.retainIndex(), `[${prefix}`, Buffer.concat([Buffer.from(`[${prefix}`), Buffer.from([0xff])])])
  const [reply] = await reader.send(w.take(), 1)
  if (!Array.isArray(reply)) return 0
  const topics: string[] = []
  for (const t of reply as Buffer[]) {
    const topic = t.toString('utf8')
    if (matches(filter, topic)) topics.push(topic)
  }
  if (topics.length === 0) return 0
  const out = new RespWriter(1 << 16)
  for (const t of topics) out.command(['HGETALL', keys.retain(t)])
  const hashes = await reader.send(out.take(), topics.length)
  return hashes.filter((h) => Array.isArray(h) && h.length > 0).length
}

async function ioredisLookup(redis: Redis, keys: Keys, filter: string): Promise<number> {
  const prefix = literalPrefix(filter)
  const page = await redis.zrangebylexBuffer(keys.retainIndex(), `[${prefix}`, Buffer.concat([Buffer.from(`[${prefix}`), Buffer.from([0xff])]))
  const p = redis.pipeline()
  let n = 0
  for (const t of page) {
    const topic = t.toString('utf8')
    if (!matches(filter, topic)) continue
    p.hgetallBuffer(keys.retain(topic))
    n++
  }
  if (n === 0) return 0
  let found = 0
  for (const [err, h] of (await p.exec()) ?? []) if (!err && h !== null && typeof h === 'object' && Object.keys(h).length > 0) found++
  return found
}

export interface RetainedSize extends WriteSize {
  /** Wildcard lookups after the sets. */
  readonly lookups: number
}

export async function retained(ctx: BenchContext, size: RetainedSize, include: ReadonlySet<ContenderName>): Promise<ScenarioResult> {
  // Every topic is set at least once, so every lookup finds its whole group.
  const n = Math.max(size.ops, size.topics)
  const lookups = size.lookups
  const warmN = warmOps(n)
  const measured = retainedInputs(n, size, ROOT)
  const warm = retainedInputs(warmN, { ...size, topics: Math.min(size.topics, warmN) }, WARM_ROOT)
  const m = deriveWrites(measured, ctx.keys)
  const w = deriveWrites(warm, ctx.keys)
  const total = n + lookups
  const keys = ctx.keys
  const warmLookups = Math.min(3, lookups)

  // Each contender: the write contender as for the other scenarios for the sets, plus its lookups.
  const withLookups = (
    writes: () => Promise<Prepared>,
    lookupOf: () => Promise<{ lookup: (filter: string) => Promise<number>; close: () => void }>,
  ) => async (): Promise<Prepared> => {
    const inner = await writes()
    const l = await lookupOf()
    for (let j = 0; j < warmLookups; j++) await l.lookup(lookupFilter(WARM_ROOT, j))
    return {
      ops: total,
      run: setsThenLookups(n, lookups, size.topics, async (lat) => (await inner.run(lat)).errors, l.lookup),
      dispose: async () => {
        l.close()
        await inner.dispose()
      },
    }
  }

  const r = await runEach(ctx, 'retained', {
    limit: withLookups(limitContender(ctx, m, w), async () => {
      const reader = await RawReader.open('127.0.0.1', ctx.server.port)
      return { lookup: (f) => rawLookup(reader, keys, f), close: () => reader.close() }
    }),
    ioredis: withLookups(ioredisContender(ctx, m, w), async () => {
      const redis = ioredisClient(ctx)
      return { lookup: (f) => ioredisLookup(redis, keys, f), close: () => redis.disconnect() }
    }),
    peer: async () => {
      const peer = await openPeer(ctx.server.port)
      const set = (root: string, topics: number) => (i: number): Promise<boolean> =>
        peer.storeRetained({ cmd: 'publish', topic: retainedTopic(root, i % topics), payload: PAYLOAD, qos: 1, retain: true, dup: false }).then(() => true, () => false)
      const lookup = (f: string): Promise<number> => drain(peer.createRetainedStreamCombi([f]))
      await closedLoop(warmN, ctx.inflight, set(WARM_ROOT, Math.min(size.topics, warmN)))
      for (let j = 0; j < warmLookups; j++) await lookup(lookupFilter(WARM_ROOT, j))
      return {
        ops: total,
        run: setsThenLookups(n, lookups, size.topics, (lat) => closedLoop(n, ctx.inflight, set(ROOT, size.topics), lat), lookup),
        dispose: () => peer.destroy(),
      }
    },
    engine: async () => {
      const inner = await engineContender(ctx, measured, warm)()
      const engine = await openEngine(ctx)
      const lookup = async (f: string): Promise<number> => (await lookupRetained(engine.redis, engine.keys, f)).length
      for (let j = 0; j < warmLookups; j++) await lookup(lookupFilter(WARM_ROOT, j))
      return {
        ops: total,
        run: setsThenLookups(n, lookups, size.topics, async (lat) => (await inner.run(lat)).errors, lookup),
        dispose: async () => {
          await engine.close()
          await inner.dispose()
        },
      }
    },
  }, include)
  return scenarioResult('retained', { ops: total, sets: n, lookups, clients: size.clients, topics: size.topics }, r, [
    `${n} retained QoS 1 publishes on ${size.topics} topics ret/<t % 10>/<t>, then ${lookups} wildcard lookups ret/<g>/+ one after the other (each finds about ${Math.round(size.topics / GROUPS)} messages); an op is one set or one lookup`,
    'engine: submit for the sets, its retained query (lookupRetained) for the lookups; limit / ioredis: ZRANGEBYLEX of the retained index, then HGETALL of each match pipelined',
    'peer: storeRetained, and createRetainedStreamCombi([filter]) read to its end (HSCAN of its one retained hash)',
  ])
}

// ---------------------------------------------------------------- pubsub fetch

export interface FetchSize {
  /** Messages in the backlog. */
  readonly backlog: number
  /** Timed fetches of the whole backlog. */
  readonly fetches: number
}

const FETCH_TOPIC = 'pubsub/backlog'
const FETCHER = 'fetcher'

/**
 * One subscriber, then `backlog` QoS 1 publishes on its pubsub topic, all
 * through an engine: the backlog the engine stored. Not timed.
 */
async function engineBacklog(ctx: BenchContext, backlog: number): Promise<void> {
  const engine = await openEngine(ctx)
  try {
    const sub = await engine.submit({ type: 'mqtt.subscribe', clientId: FETCHER, filter: FETCH_TOPIC, qos: 1 })
    if (sub._tag !== 'Right') throw new Error('pubsub-fetch: the subscription was rejected')
    const inputs: Input[] = []
    for (let i = 0; i < backlog; i++) inputs.push({ type: 'mqtt.publish', clientId: `p${i % 100}`, topic: FETCH_TOPIC, payload: PAYLOAD, qos: 1, retain: false })
    const rejected = await submitAll(engine, inputs, ctx.inflight)
    if (rejected > 0) throw new Error(`pubsub-fetch: ${rejected} publishes rejected`)
  } finally {
    await engine.close()
  }
}

function fetchRun(fetches: number, backlog: number, fetch: () => Promise<number>): (lat: Float64Array) => Promise<RunOutcome> {
  return async (lat) => {
    let errors = 0
    const t0 = now()
    for (let i = 0; i < fetches; i++) {
      const s = now()
      const got = await fetch()
      lat[i] = now() - s
      if (got !== backlog) errors++
    }
    const ms = now() - t0
    return { errors, extra: { messagesPerSec: (fetches * backlog) / (ms / 1000), fetchMeanMs: ms / fetches, backlog } }
  }
}

async function rawFetch(reader: RawReader, keys: Keys, limit: number): Promise<number> {
  const w = new RespWriter(256)
  w.command(['ZRANGEBYSCORE', keys.msgTopic(FETCH_TOPIC), '(0', '+inf', 'LIMIT', 0, limit])
  const [ids] = await reader.send(w.take(), 1)
  if (!Array.isArray(ids) || ids.length === 0) return 0
  const out = new RespWriter(1 << 18)
  for (const id of ids as Buffer[]) out.command(['HGETALL', keys.msg(id.toString('utf8'))])
  const hashes = await reader.send(out.take(), ids.length)
  let n = 0
  for (const h of hashes) if (Array.isArray(h) && h.length > 0) n++
  return n
}

async function ioredisFetch(redis: Redis, keys: Keys, limit: number): Promise<number> {
  const ids = await redis.zrangebyscore(keys.msgTopic(FETCH_TOPIC), '(0', '+inf', 'LIMIT', 0, limit)
  const p = redis.pipeline()
  for (const id of ids) p.hgetallBuffer(keys.msg(id))
  let n = 0
  for (const [err, h] of (await p.exec()) ?? []) if (!err && h !== null && typeof h === 'object' && Object.keys(h).length > 0) n++
  return n
}

/**
 * limit, ioredis and engine read the same backlog (stored once by the
 * engine; no FLUSHALL between them, reads change nothing); the peer gets a
 * backlog of its own after a FLUSHALL.
 */
export async function pubsubFetch(ctx: BenchContext, size: FetchSize, include: ReadonlySet<ContenderName>): Promise<ScenarioResult> {
  const { backlog, fetches } = size
  const keys = ctx.keys
  const readers: Array<[ContenderName, () => Promise<Prepared>]> = [
    ['limit', async () => {
      const reader = await RawReader.open('127.0.0.1', ctx.server.port)
      await rawFetch(reader, keys, backlog)
      return { ops: fetches, run: fetchRun(fetches, backlog, () => rawFetch(reader, keys, backlog)), dispose: async () => reader.close() }
    }],
    ['ioredis', async () => {
      const redis = ioredisClient(ctx)
      await ioredisFetch(redis, keys, backlog)
      return { ops: fetches, run: fetchRun(fetches, backlog, () => ioredisFetch(redis, keys, backlog)), dispose: async () => redis.disconnect() }
    }],
    ['engine', async () => {
      const engine = await openEngine(ctx)
      const fetch = async (): Promise<number> =>
        (await fetchStored('pubsub', { redis: engine.redis, keys: engine.keys, clientId: FETCHER, filter: FETCH_TOPIC, now: Date.now(), limit: backlog })).length
      await fetch()
      return { ops: fetches, run: fetchRun(fetches, backlog, fetch), dispose: () => engine.close() }
    }],
  ]
  const out: Partial<Record<ContenderName, ContenderResult>> = {}
  await flushAll(ctx)
  if (readers.some(([c]) => include.has(c))) {
    const t0 = now()
    await engineBacklog(ctx, backlog)
    ctx.say(`  pubsub-fetch: backlog of ${backlog} stored by the engine in ${Math.round(now() - t0)} ms`)
  }
  for (const [c, prepare] of readers) {
    if (!include.has(c)) continue
    collectGarbage()
    const r = await measure(ctx.admin, prepare)
    ctx.say(`  pubsub-fetch ${c}: ${r.opsPerSec.toFixed(1)} fetches/s, p50 ${r.p50Ms.toFixed(1)} ms, ${r.errors} errors`)
    out[c] = r
  }
  if (include.has('peer')) {
    const peerResult = await runEach(ctx, 'pubsub-fetch', {
      peer: async () => {
        const peer = await openPeer(ctx.server.port, { maxSessionDelivery: backlog })
        const subs = [{ clientId: FETCHER, topic: 'pubsub/#', qos: 1 as const }]
        await closedLoop(backlog, ctx.inflight, (i) =>
          peer.outgoingEnqueueCombi(subs, { cmd: 'publish', topic: FETCH_TOPIC, payload: PAYLOAD, qos: 1, retain: false, dup: false, brokerId: PEER_BROKER_ID, brokerCounter: i + 1 }).then(() => true))
        const fetch = (): Promise<number> => drain(peer.outgoingStream({ id: FETCHER }))
        await fetch()
        return { ops: fetches, run: fetchRun(fetches, backlog, fetch), dispose: () => peer.destroy() }
      },
    }, include)
    if (peerResult.peer) out.peer = peerResult.peer
  }
  await flushAll(ctx)
  return scenarioResult('pubsub-fetch', { backlog, fetches }, out, [
    `a subscriber's pubsub backlog of ${backlog} QoS 1 messages (stored by the engine), fetched whole ${fetches} times one after the other; an op is one fetch of the whole backlog`,
    'engine: its fetch query (fetchStored pubsub); limit / ioredis: ZRANGEBYSCORE of the topic, then HGETALL of every message, pipelined',
    `peer: outgoingStream of a client with ${backlog} queued packets, read to its end (LRANGE, then a GET per packet)`,
  ])
}
