/**
 * Reading back what a broker keeps of its persistent sessions
 * (session-store.projection.ts): subscriptions by client and by topic, the
 * counts Aedes reports, queued and received packets, wills, and retained
 * messages in the broker's own form.
 */
import type { EngineRedis } from '../redis/connect.js'
import type { Keys } from '../redis/keys.js'
import { matches } from '../topics/topic.js'
import { packetFromJson } from '../util/packet-json.js'
import { matchingRetainedTopics } from './retained.query.js'

export type StoredSub = Record<string, unknown> & { readonly topic: string; readonly qos: number }

function parse(text: string): StoredSub {
  return packetFromJson<StoredSub>(text)
}

/** A session's subscriptions, in the order they were first made. */
export async function sessionSubscriptions(redis: EngineRedis, keys: Keys, clientId: string): Promise<StoredSub[]> {
  const h = await redis.hgetall(keys.sessionSubs(clientId))
  return Object.values(h).map(parse)
}

/**
 * Most candidate filters asked for by name (3 * 2^levels - 2 of them): a
 * topic of more than 6 levels reads the whole wildcard index instead.
 */
const MAX_CANDIDATES = 256

/**
 * Every wildcard filter that could match `topic`: each level itself or `+`,
 * and `#` after any such prefix (`a/b` gives `+/b`, `a/+`, `+/+`, `#`, `a/#`,
 * `+/#`, `a/b/#`, ...). A filter starting with a wildcard never matches a `$`
 * topic [MQTT-4.7.2-1]. Null when there would be more than MAX_CANDIDATES.
 *
 * @example
 * wildcardCandidates('a/b').length // 10
 */
export function wildcardCandidates(topic: string): string[] | null {
  const levels = topic.split('/')
  if (3 * 2 ** levels.length - 2 > MAX_CANDIDATES) return null
  const dollar = topic.startsWith('$')
  let prefixes: string[] = ['']
  const out: string[] = []
  for (let i = 0; i <= levels.length; i++) {
    for (const p of prefixes) if (!(dollar && i === 0)) out.push(`${p}#`)
    if (i === levels.length) break
    const level = levels[i] as string
    const next: string[] = []
    for (const p of prefixes) {
      next.push(`${p}${level}/`)
      if (!(dollar && i === 0)) next.push(`${p}+/`)
    }
    prefixes = next
  }
  // Full-length candidates with at least one `+` (the topic itself is not a wildcard filter).
  for (const p of prefixes) {
    const f = p.slice(0, -1)
    if (f !== topic) out.push(f)
  }
  return out
}

/**
 * The QoS 1/2 session subscriptions whose filter matches `topic`: those with
 * wildcard filters first, then those to the topic itself. The wildcard
 * filters that could match are asked for by name (ZMSCORE on their index) in
 * the same round trip as the exact ones, so the cost does not grow with the
 * number of stored wildcard filters; a second round trip reads the
 * subscriptions of the wildcard filters found, when there are any.
 *
 * @example
 * await sessionSubscriptionsByTopic(redis, keys, 'hello') // [{ clientId: 'c1', topic: 'hello/#', qos: 1, ... }]
 */
export async function sessionSubscriptionsByTopic(redis: EngineRedis, keys: Keys, topic: string): Promise<Array<StoredSub & { clientId: string }>> {
  const candidates = wildcardCandidates(topic)
  const first = redis.pipeline()
  if (candidates === null) first.zrange(keys.sessionWildFilters(), 0, -1)
  else first.zmscore(keys.sessionWildFilters(), ...candidates)
  first.hgetall(keys.sessionSubsByFilter(topic))
  const [[e1, found], [e2, exact]] = ((await first.exec()) ?? []) as [[Error | null, unknown], [Error | null, unknown]]
  if (e1) throw e1
  if (e2) throw e2
  const wild: string[] = candidates === null
    ? (found as string[]).filter((f) => matches(f, topic))
    : candidates.filter((_, i) => (found as Array<string | null>)[i] !== null)
  const out: Array<StoredSub & { clientId: string }> = []
  const add = (h: Record<string, string>): void => {
    for (const [clientId, stored] of Object.entries(h)) out.push({ clientId, ...parse(stored) })
  }
  if (wild.length > 0) {
    const p = redis.pipeline()
    for (const f of wild) p.hgetall(keys.sessionSubsByFilter(f))
    for (const [err, h] of (await p.exec()) ?? []) {
      if (err) throw err
      add(h as Record<string, string>)
    }
  }
  add(exact as Record<string, string>)
  return out
}

/** Aedes' countOffline: QoS 1/2 session subscriptions, and sessions with any subscription. */
export async function countSessionSubscriptions(redis: EngineRedis, keys: Keys): Promise<{ subsCount: number; clientsCount: number }> {
  const [subs, clients] = await Promise.all([redis.zcard(keys.sessionPersistentSubs()), redis.scard(keys.sessionClients())])
  return { subsCount: subs, clientsCount: clients }
}

/** The sessions with a QoS 1/2 subscription to exactly `filter`, in the order they subscribed. */
export function sessionClientsOf(redis: EngineRedis, keys: Keys, filter: string): Promise<string[]> {
  return redis.hkeys(keys.sessionSubsByFilter(filter))
}

/** The ids of the packets queued for a session, in queue order. */
export function outgoingQueue(redis: EngineRedis, keys: Keys, clientId: string): Promise<string[]> {
  return redis.zrange(keys.outgoing(clientId), 0, -1)
}

/** The packets with these ids, in the order given; an id no longer queued is left out. */
export async function outgoingPacketsById(redis: EngineRedis, keys: Keys, clientId: string, ids: readonly string[]): Promise<Array<{ id: string; packet: Record<string, unknown> }>> {
  if (ids.length === 0) return []
  const texts = await redis.hmget(keys.outgoingPackets(clientId), ...ids)
  const out: Array<{ id: string; packet: Record<string, unknown> }> = []
  ids.forEach((id, i) => {
    const t = texts[i]
    if (typeof t === 'string') out.push({ id, packet: packetFromJson(t) })
  })
  return out
}

/** One queued packet by id, or null. */
export async function outgoingPacket(redis: EngineRedis, keys: Keys, clientId: string, id: string): Promise<Record<string, unknown> | null> {
  const t = await redis.hget(keys.outgoingPackets(clientId), id)
  return t === null ? null : packetFromJson(t)
}

/** The id of the queued packet sent with packet identifier `messageId`, or null. */
export function outgoingIdOf(redis: EngineRedis, keys: Keys, clientId: string, messageId: number): Promise<string | null> {
  return redis.hget(keys.outgoingIds(clientId), String(messageId))
}

export async function incomingPacket(redis: EngineRedis, keys: Keys, clientId: string, messageId: number): Promise<Record<string, unknown> | null> {
  const t = await redis.hget(keys.incoming(clientId), String(messageId))
  return t === null ? null : packetFromJson(t)
}

export function incomingIds(redis: EngineRedis, keys: Keys, clientId: string): Promise<string[]> {
  return redis.hkeys(keys.incoming(clientId))
}

export async function willOf(redis: EngineRedis, keys: Keys, clientId: string): Promise<Record<string, unknown> | null> {
  const t = await redis.get(keys.will(clientId))
  return t === null ? null : packetFromJson(t)
}

/** Every stored will, with the broker that holds it. */
export async function allWills(redis: EngineRedis, keys: Keys): Promise<Array<{ clientId: string; brokerId: string }>> {
  const h = await redis.hgetall(keys.wills())
  return Object.entries(h).map(([clientId, brokerId]) => ({ clientId, brokerId }))
}

/**
 * Retained messages matching any of `filters`, each once, as the broker
 * stored them when it did (`packet` field), else built from EMQX's fields.
 */
export async function retainedPackets(redis: EngineRedis, keys: Keys, filters: readonly string[]): Promise<Array<Record<string, unknown>>> {
  const topics = new Set<string>()
  for (const f of filters) for (const t of await matchingRetainedTopics(redis, keys, f)) topics.add(t)
  if (topics.size === 0) return []
  const p = redis.pipeline()
  for (const t of topics) p.hgetallBuffer(keys.retain(t))
  const out: Array<Record<string, unknown>> = []
  for (const [err, raw] of (await p.exec()) ?? []) {
    if (err) throw err
    const h = raw as Record<string, Buffer>
    const topic = h['topic']?.toString('utf8')
    const payload = h['payload']
    if (topic === undefined || payload === undefined) continue
    const qos = Number(h['qos']?.toString() ?? '0')
    const packetText = h['packet']?.toString('utf8')
    if (packetText === undefined) {
      out.push({ cmd: 'publish', topic, payload, qos, retain: true })
      continue
    }
    const { payloadIsString, ...packet } = packetFromJson<Record<string, unknown>>(packetText)
    out.push({ ...packet, topic, qos, payload: payloadIsString === true ? payload.toString('utf8') : payload })
  }
  return out
}
