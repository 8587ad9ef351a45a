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
 * The QoS 1/2 session subscriptions whose filter matches `topic`: those with
 * wildcard filters first, then those to the topic itself. Wildcard filters
 * are read from their index and matched here; exact ones are one hash.
 *
 * @example
 * await sessionSubscriptionsByTopic(redis, keys, 'hello') // [{ clientId: 'c1', topic: 'hello/#', qos: 1, ... }]
 */
export async function sessionSubscriptionsByTopic(redis: EngineRedis, keys: Keys, topic: string): Promise<Array<StoredSub & { clientId: string }>> {
  const wild = (await redis.zrange(keys.sessionWildFilters(), 0, -1)).filter((f) => matches(f, topic))
  const p = redis.pipeline()
  for (const f of wild) p.hgetall(keys.sessionSubsByFilter(f))
  p.hgetall(keys.sessionSubsByFilter(topic))
  const out: Array<StoredSub & { clientId: string }> = []
  for (const [err, h] of (await p.exec()) ?? []) {
    if (err) throw err
    for (const [clientId, stored] of Object.entries(h as Record<string, string>)) out.push({ clientId, ...parse(stored) })
  }
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

/** The packets queued for a session, in queue order, with their ids. */
export async function outgoingPackets(redis: EngineRedis, keys: Keys, clientId: string): Promise<Array<{ id: string; packet: Record<string, unknown> }>> {
  const ids = await redis.zrange(keys.outgoing(clientId), 0, -1)
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
