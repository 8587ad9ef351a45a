/**
 * What Redis holds about one client, read with plain commands over the keys
 * of src/redis/keys.ts: its hash, the node it is online on, its stored
 * subscriptions with, for pubsub ones, the cursor and backlog of each topic,
 * the queue messages it holds, and its persistent session.
 */
import type { Redis } from 'ioredis'
import type { Keys } from '../redis/keys.js'
import { lookupSubscriptions } from '../queries/subscriptions.query.js'
import { matchingIndexedTopics } from '../queries/topic-index.js'
import { sessionSubscriptions } from '../queries/session-store.query.js'
import { scanPrefix } from './scan.js'
import { isoFromSeconds } from './values.js'

export interface TopicBacklog {
  readonly topic: string
  /** Sequence of the last message of the topic the client acknowledged; null before its first ack. */
  readonly cursor: number | null
  /** Id of that message (`acked:${clientid}:${topic}`), null when none. */
  readonly ackedMsgId: string | null
  /** Stored messages after max(start, cursor) that have not expired (what a new subscription would fetch). */
  readonly backlog: number
}

export interface PubsubState {
  /** The publish sequence the subscription started at (`idx:since`). */
  readonly since: number
  readonly backlog: number
  readonly topics: readonly TopicBacklog[]
}

export interface SubscriptionState {
  readonly filter: string
  readonly qos: number
  /** Present when the subscription has a pubsub start, i.e. it fetches pubsub messages. */
  readonly pubsub: PubsubState | null
}

export interface ClientReport {
  readonly clientId: string
  /** Whether `client:${clientid}` exists. */
  readonly known: boolean
  readonly state: 'online' | 'offline' | null
  readonly onlineAt: string | null
  readonly offlineAt: string | null
  /** The node whose `node:${node}` hash lists the client, with the connect time it holds. */
  readonly node: { readonly name: string; readonly connectedAt: string | null } | null
  readonly subscriptions: readonly SubscriptionState[]
  /** Queue messages fetched by this client and not yet acknowledged (`idx:holding`). */
  readonly queueHeld: ReadonlyArray<{ readonly topic: string; readonly msgId: string }>
  /** The broker's persistent session: its subscriptions and the packets queued for it. */
  readonly session: { readonly subscriptions: ReadonlyArray<{ readonly filter: string; readonly qos: number }>; readonly queuedPackets: number }
}

/** Most stored messages counted per topic for a backlog (the engine's default fetch limit). */
export const BACKLOG_LIMIT = 10_000

/** Stored messages of `topic` after sequence `after` (null: all) that have not expired by `now` (ms), up to BACKLOG_LIMIT. */
export async function liveMessagesAfter(redis: Redis, keys: Keys, topic: string, after: number | null, now: number): Promise<number> {
  const ids = await redis.zrangebyscore(keys.msgTopic(topic), after === null ? '-inf' : `(${after}`, '+inf', 'LIMIT', 0, BACKLOG_LIMIT)
  if (ids.length === 0) return 0
  const p = redis.pipeline()
  for (const id of ids) p.hget(keys.msg(id), 'expire_at')
  let live = 0
  for (const [err, v] of (await p.exec()) ?? []) if (!err && typeof v === 'string' && Number(v) > now) live++
  return live
}

/**
 * The node a client is online on: among the nodes of the log checkpoint
 * first (no scan), else among every `node:*` hash (SCAN).
 */
export async function findNode(redis: Redis, keys: Keys, clientId: string): Promise<{ name: string; connectedAt: string | null } | null> {
  const nodePrefix = keys.node('')
  const tryNodes = async (names: readonly string[]) => {
    if (names.length === 0) return null
    const p = redis.pipeline()
    for (const n of names) p.hget(keys.node(n), clientId)
    const replies = (await p.exec()) ?? []
    for (let i = 0; i < names.length; i++) {
      const v = replies[i]?.[1]
      if (typeof v === 'string') return { name: names[i] as string, connectedAt: isoFromSeconds(v) }
    }
    return null
  }
  const known = await redis.hkeys(keys.checkpoint())
  const found = await tryNodes(known)
  if (found) return found
  const others = (await scanPrefix(redis, nodePrefix)).map((k) => k.slice(nodePrefix.length)).filter((n) => !known.includes(n))
  return tryNodes(others)
}

async function pubsubState(redis: Redis, keys: Keys, clientId: string, filter: string, since: number, now: number): Promise<PubsubState> {
  const topics = await matchingIndexedTopics(redis, keys.msgTopics(), filter)
  const cursors = topics.length === 0 ? [] : await redis.hmget(keys.cursor(clientId), ...topics)
  const out: TopicBacklog[] = []
  for (let i = 0; i < topics.length; i++) {
    const topic = topics[i] as string
    const c = cursors[i]
    const cursor = c === null || c === undefined ? null : Number(c)
    const [backlog, ackedMsgId] = await Promise.all([
      liveMessagesAfter(redis, keys, topic, Math.max(since, cursor ?? 0), now),
      redis.get(keys.acked(clientId, topic)),
    ])
    out.push({ topic, cursor, ackedMsgId, backlog })
  }
  return { since, backlog: out.reduce((s, t) => s + t.backlog, 0), topics: out }
}

/**
 * @example
 * const report = await inspectClient(redis, createKeys('mqtt:'), 'dev-1', Date.now())
 */
export async function inspectClient(redis: Redis, keys: Keys, clientId: string, now: number): Promise<ClientReport> {
  const [hash, subs, since, holding, sessionSubs, queuedPackets, node] = await Promise.all([
    redis.hgetall(keys.client(clientId)),
    lookupSubscriptions(redis, keys, clientId),
    redis.hgetall(keys.since(clientId)),
    redis.smembers(keys.holding(clientId)),
    sessionSubscriptions(redis, keys, clientId),
    redis.zcard(keys.outgoing(clientId)),
    findNode(redis, keys, clientId),
  ])
  const subscriptions: SubscriptionState[] = []
  for (const s of subs.sort((a, b) => (a.filter < b.filter ? -1 : a.filter > b.filter ? 1 : 0))) {
    const start = since[s.filter]
    const pubsub = start === undefined ? null : await pubsubState(redis, keys, clientId, s.filter, Number(start), now)
    subscriptions.push({ filter: s.filter, qos: s.qos, pubsub })
  }
  const state = hash['state']
  return {
    clientId,
    known: Object.keys(hash).length > 0,
    state: state === '1' ? 'online' : state === '0' ? 'offline' : null,
    onlineAt: isoFromSeconds(hash['online_at']),
    offlineAt: isoFromSeconds(hash['offline_at']),
    node,
    subscriptions,
    queueHeld: holding.sort().map((m) => {
      const cut = m.lastIndexOf('\u0000')
      return { topic: m.slice(0, cut), msgId: m.slice(cut + 1) }
    }),
    session: {
      subscriptions: sessionSubs.map((s) => ({ filter: s.topic, qos: s.qos })).sort((a, b) => (a.filter < b.filter ? -1 : a.filter > b.filter ? 1 : 0)),
      queuedPackets,
    },
  }
}
