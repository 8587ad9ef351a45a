/**
 * What Redis holds about one topic: its retained message, its stored
 * messages (count, oldest, newest, queue holds, keep-latest), where the
 * pubsub subscribers' cursors stand on it, and the stored subscriptions
 * whose filter matches it.
 */
import type { Redis } from 'ioredis'
import type { Keys } from '../redis/keys.js'
import { decodeMessageHash } from '../queries/message-hash.js'
import { sessionSubscriptionsByTopic } from '../queries/session-store.query.js'
import { matches } from '../topics/topic.js'
import { liveMessagesAfter } from './client.js'
import { scanPrefix } from './scan.js'
import { isoFromMillis, isoFromSeconds, showPayload, type ShownPayload } from './values.js'

export interface MessageView {
  readonly id: string
  readonly from: string
  readonly qos: number
  readonly retain: boolean
  readonly payload: ShownPayload
  readonly time: string | null
}

export interface StoredView extends MessageView {
  /** Publish sequence (the score in `msg:${topic}`). */
  readonly seq: number
  readonly expiresAt: string | null
  /** Past its expiry, or its hash already gone (its index entry not swept yet). */
  readonly expired: boolean
  /** Its hash is gone (expired in Redis): only the id and sequence are known. */
  readonly gone: boolean
}

export interface CursorView {
  readonly clientId: string
  /** The client's pubsub filter that matches the topic. */
  readonly filter: string
  readonly since: number
  readonly cursor: number | null
  /** Live stored messages after max(since, cursor): what the client has yet to get. */
  readonly behind: number
}

export interface TopicReport {
  readonly topic: string
  readonly retained: MessageView | null
  readonly stored: {
    /** Entries of `msg:${topic}` (expired ones not yet swept included). */
    readonly count: number
    /** Those not expired. */
    readonly live: number
    readonly oldest: StoredView | null
    readonly newest: StoredView | null
    /** Queue messages held by a consumer (`idx:claims:${topic}`): msgId -> clientId. */
    readonly held: Readonly<Record<string, string>>
    /** Keep-latest: the id in `latest_msg:${topic}`, null when none. */
    readonly latest: string | null
  }
  readonly cursors: readonly CursorView[]
  /** Stored subscriptions (`sub:${clientid}`) whose filter matches the topic; `persistent` when a persistent session holds it at QoS 1/2. */
  readonly subscriptions: ReadonlyArray<{ readonly clientId: string; readonly filter: string; readonly qos: number; readonly persistent: boolean }>
}

function view(h: Record<string, Buffer>): MessageView | null {
  const m = decodeMessageHash(h)
  if (!m) return null
  return { id: m.id, from: m.from, qos: m.qos, retain: h['retain']?.toString() === 'true', payload: showPayload(m.payload), time: isoFromSeconds(h['ts']?.toString()) }
}

async function storedAt(redis: Redis, keys: Keys, entry: readonly string[], now: number): Promise<StoredView | null> {
  const [id, score] = entry
  if (id === undefined || score === undefined) return null
  const h = await redis.hgetallBuffer(keys.msg(id))
  const v = view(h)
  const expireAt = h['expire_at']?.toString()
  if (!v) return { id, from: '', qos: 0, retain: false, payload: '', time: null, seq: Number(score), expiresAt: null, expired: true, gone: true }
  return { ...v, seq: Number(score), expiresAt: isoFromMillis(expireAt), expired: !(Number(expireAt) > now), gone: false }
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * The pubsub starts and stored subscriptions of every client, by one SCAN
 * over the prefix (no index answers "who subscribes to this topic" for
 * EMQX's `sub:${clientid}` hashes).
 */
async function scanSubscriptions(redis: Redis, keys: Keys): Promise<{ since: string[]; subs: string[] }> {
  const sincePrefix = keys.since('')
  const subPrefix = keys.sub('')
  const all = await scanPrefix(redis, keys.prefix)
  return { since: all.filter((k) => k.startsWith(sincePrefix)), subs: all.filter((k) => k.startsWith(subPrefix)) }
}

/**
 * @example
 * const report = await inspectTopic(redis, createKeys('mqtt:'), 'pubsub/sim/sim-0', Date.now())
 */
export async function inspectTopic(redis: Redis, keys: Keys, topic: string, now: number): Promise<TopicReport> {
  const msgKey = keys.msgTopic(topic)
  const [retainedHash, count, oldest, newest, held, latest, sessionSubs, scanned] = await Promise.all([
    redis.hgetallBuffer(keys.retain(topic)),
    redis.zcard(msgKey),
    redis.zrange(msgKey, 0, 0, 'WITHSCORES'),
    redis.zrange(msgKey, -1, -1, 'WITHSCORES'),
    redis.hgetall(keys.claims(topic)),
    redis.get(keys.latestMsg(topic)),
    sessionSubscriptionsByTopic(redis, keys, topic),
    scanSubscriptions(redis, keys),
  ])
  const persistent = new Set(sessionSubs.map((s) => `${s.clientId}\u0000${s.topic}`))

  const cursors: CursorView[] = []
  for (const key of scanned.since) {
    const clientId = key.slice(keys.since('').length)
    const starts = await redis.hgetall(key)
    const filters = Object.keys(starts).filter((f) => matches(f, topic)).sort(byText)
    if (filters.length === 0) continue
    const c = await redis.hget(keys.cursor(clientId), topic)
    const cursor = c === null ? null : Number(c)
    for (const filter of filters) {
      const since = Number(starts[filter])
      cursors.push({ clientId, filter, since, cursor, behind: await liveMessagesAfter(redis, keys, topic, Math.max(since, cursor ?? 0), now) })
    }
  }

  const subscriptions: Array<{ clientId: string; filter: string; qos: number; persistent: boolean }> = []
  for (const key of scanned.subs) {
    const clientId = key.slice(keys.sub('').length)
    const h = await redis.hgetall(key)
    for (const filter of Object.keys(h).sort(byText)) {
      if (!matches(filter, topic)) continue
      subscriptions.push({ clientId, filter, qos: Number(h[filter]), persistent: persistent.has(`${clientId}\u0000${filter}`) })
    }
  }
  // A persistent session's subscription the EMQX hash lacks (it is written by another path) is still listed.
  for (const s of sessionSubs) {
    if (!subscriptions.some((x) => x.clientId === s.clientId && x.filter === s.topic)) subscriptions.push({ clientId: s.clientId, filter: s.topic, qos: s.qos, persistent: true })
  }

  return {
    topic,
    retained: view(retainedHash),
    stored: {
      count,
      live: await liveMessagesAfter(redis, keys, topic, null, now),
      oldest: await storedAt(redis, keys, oldest, now),
      newest: await storedAt(redis, keys, newest, now),
      held,
      latest,
    },
    cursors,
    subscriptions,
  }
}
