/**
 * EMQX's on_retain_lookup: the retained messages matching a topic filter.
 *
 * Served by the retained-topic index (see topic-index.ts). No KEYS, no SCAN.
 */
import type { EngineRedis } from '../redis/connect.js'
import type { Keys } from '../redis/keys.js'
import { decodeMessageHash, type MessageHash } from './message-hash.js'
import { matchingIndexedTopics } from './topic-index.js'

export type RetainedMessage = MessageHash

/** Every retained topic the filter matches, in byte order. */
export function matchingRetainedTopics(redis: EngineRedis, keys: Keys, filter: string): Promise<string[]> {
  return matchingIndexedTopics(redis, keys.retainIndex(), filter)
}

/**
 * @example
 * await lookupRetained(redis, keys, 'sensors/+/temp')
 */
export async function lookupRetained(redis: EngineRedis, keys: Keys, filter: string): Promise<RetainedMessage[]> {
  const topics = await matchingRetainedTopics(redis, keys, filter)
  if (topics.length === 0) return []
  const p = redis.pipeline()
  for (const t of topics) p.hgetallBuffer(keys.retain(t))
  const replies = (await p.exec()) ?? []
  const out: RetainedMessage[] = []
  for (const [err, h] of replies) {
    if (err) continue
    const m = decodeMessageHash(h as Record<string, Buffer>)
    if (m) out.push(m)
  }
  return out
}
