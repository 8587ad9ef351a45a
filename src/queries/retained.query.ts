/**
 * EMQX's on_retain_lookup: the retained messages matching a topic filter.
 *
 * Served by the retained-topic index (see topic-index.ts). No KEYS, no SCAN.
 */
import type { Redis } from 'ioredis'
import type { QoS } from '../events/input.js'
import type { Keys } from '../redis/keys.js'
import { matchingIndexedTopics } from './topic-index.js'

export interface RetainedMessage {
  readonly id: string
  readonly from: string
  readonly topic: string
  readonly qos: QoS
  readonly payload: Buffer
  readonly ts: number
}

/** Every retained topic the filter matches, in byte order. */
export function matchingRetainedTopics(redis: Redis, keys: Keys, filter: string): Promise<string[]> {
  return matchingIndexedTopics(redis, keys.retainIndex(), filter)
}

function decode(h: Record<string, Buffer>): RetainedMessage | null {
  const topic = h['topic']?.toString('utf8')
  const payload = h['payload']
  if (topic === undefined || payload === undefined) return null
  const q = h['qos']?.toString()
  return {
    id: h['id']?.toString() ?? '',
    from: h['from']?.toString('utf8') ?? '',
    topic,
    qos: q === '2' ? 2 : q === '1' ? 1 : 0,
    payload,
    ts: Number(h['ts']?.toString() ?? '0'),
  }
}

/**
 * @example
 * await lookupRetained(redis, keys, 'sensors/+/temp')
 */
export async function lookupRetained(redis: Redis, keys: Keys, filter: string): Promise<RetainedMessage[]> {
  const topics = await matchingRetainedTopics(redis, keys, filter)
  if (topics.length === 0) return []
  const p = redis.pipeline()
  for (const t of topics) p.hgetallBuffer(keys.retain(t))
  const replies = (await p.exec()) ?? []
  const out: RetainedMessage[] = []
  for (const [err, h] of replies) {
    if (err) continue
    const m = decode(h as Record<string, Buffer>)
    if (m) out.push(m)
  }
  return out
}
