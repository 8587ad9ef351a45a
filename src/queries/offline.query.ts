/**
 * Fetching stored messages for a new subscription (EMQX's
 * on_message_fetch_for_queue, _for_pubsub, _for_keep_latest). Each topic the
 * filter matches is served in its own publish order; wildcards are served by
 * the index of topics with stored messages.
 *
 * - queue: the claimQueue script holds each message for this consumer, so two
 *   consumers fetching at once never both get one message.
 * - pubsub: messages after max(cursor of the topic, start of the subscription).
 * - latest: the newest message of each topic, unless the client acked it.
 *
 * A message past its expiry (by the engine's clock) is never returned.
 */
import type { EngineRedis } from '../redis/connect.js'
import type { OfflineMode } from '../offline/rules.js'
import type { Keys } from '../redis/keys.js'
import { callScript, callScriptBuffer, ensureScripts } from '../redis/scripts.js'
import type { MessageHash } from './message-hash.js'
import { matchingIndexedTopics } from './topic-index.js'

export interface StoredMessage extends MessageHash {
  readonly expiresAt: number
  readonly mode: OfflineMode
}

export interface FetchContext {
  readonly redis: EngineRedis
  readonly keys: Keys
  readonly clientId: string
  readonly filter: string
  /** The engine clock, milliseconds. */
  readonly now: number
  /** Most messages per topic. */
  readonly limit: number
}

/** At most this many ids per script call, so one call never blocks Redis for long. */
const READ_CHUNK = 2000

async function readMessages(ctx: FetchContext, topic: string, ids: readonly string[], mode: OfflineMode): Promise<StoredMessage[]> {
  ensureScripts(ctx.redis)
  const out: StoredMessage[] = []
  for (let i = 0; i < ids.length; i += READ_CHUNK) {
    const chunk = ids.slice(i, i + READ_CHUNK)
    const flat = (await callScriptBuffer(ctx.redis, 'readMessages', [ctx.keys.msgTopic(topic)], [ctx.keys.msg(''), ctx.now, ...chunk])) as Buffer[]
    for (let j = 0; j + 6 < flat.length; j += 7) {
      const q = (flat[j + 2] as Buffer).toString()
      out.push({
        id: (flat[j] as Buffer).toString(),
        from: (flat[j + 1] as Buffer).toString('utf8'),
        qos: q === '2' ? 2 : q === '1' ? 1 : 0,
        topic: (flat[j + 3] as Buffer).toString('utf8'),
        payload: flat[j + 4] as Buffer,
        ts: Number((flat[j + 5] as Buffer).toString()),
        expiresAt: Number((flat[j + 6] as Buffer).toString()),
        mode,
      })
    }
  }
  return out
}

export async function fetchQueue(ctx: FetchContext): Promise<StoredMessage[]> {
  ensureScripts(ctx.redis)
  const out: StoredMessage[] = []
  for (const topic of await matchingIndexedTopics(ctx.redis, ctx.keys.msgTopics(), ctx.filter)) {
    const ids = (await callScript(ctx.redis, 'claimQueue', [ctx.keys.msgTopic(topic), ctx.keys.claims(topic), ctx.keys.holding(ctx.clientId)], [
      ctx.clientId,
      topic,
      ctx.now,
      ctx.keys.msg(''),
      ctx.limit,
    ])) as string[]
    out.push(...(await readMessages(ctx, topic, ids, 'queue')))
  }
  return out
}

export async function fetchPubsub(ctx: FetchContext): Promise<StoredMessage[]> {
  const topics = await matchingIndexedTopics(ctx.redis, ctx.keys.msgTopics(), ctx.filter)
  if (topics.length === 0) return []
  const since = Number((await ctx.redis.hget(ctx.keys.since(ctx.clientId), ctx.filter)) ?? (await ctx.redis.get(ctx.keys.seq())) ?? '0')
  const cursors = await ctx.redis.hmget(ctx.keys.cursor(ctx.clientId), ...topics)
  const out: StoredMessage[] = []
  for (let i = 0; i < topics.length; i++) {
    const topic = topics[i] as string
    const cursor = cursors[i]
    // A cursor whose message expired still holds its sequence: everything newer is delivered.
    const from = Math.max(since, cursor === null || cursor === undefined ? 0 : Number(cursor))
    const ids = await ctx.redis.zrangebyscore(ctx.keys.msgTopic(topic), `(${from}`, '+inf', 'LIMIT', 0, ctx.limit)
    out.push(...(await readMessages(ctx, topic, ids, 'pubsub')))
  }
  return out
}

export async function fetchLatest(ctx: FetchContext): Promise<StoredMessage[]> {
  const out: StoredMessage[] = []
  for (const topic of await matchingIndexedTopics(ctx.redis, ctx.keys.msgTopics(), ctx.filter)) {
    const [latest, acked] = await Promise.all([ctx.redis.get(ctx.keys.latestMsg(topic)), ctx.redis.get(ctx.keys.acked(ctx.clientId, topic))])
    if (latest !== null && latest !== acked) out.push(...(await readMessages(ctx, topic, [latest], 'latest')))
  }
  return out
}

export function fetchStored(mode: OfflineMode, ctx: FetchContext): Promise<StoredMessage[]> {
  return mode === 'queue' ? fetchQueue(ctx) : mode === 'pubsub' ? fetchPubsub(ctx) : fetchLatest(ctx)
}
