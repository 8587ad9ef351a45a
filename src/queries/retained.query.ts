/**
 * EMQX's on_retain_lookup: the retained messages matching a topic filter.
 *
 * Served by the retained-topic index (a sorted set with every score 0, so
 * ordered by bytes): the filter's literal prefix bounds a ZRANGEBYLEX, and
 * the candidates are matched against the filter here. No KEYS, no SCAN.
 */
import type { Redis } from 'ioredis'
import type { QoS } from '../events/input.js'
import type { Keys } from '../redis/keys.js'
import { hasWildcard, literalPrefix, matches } from '../topics/topic.js'

export interface RetainedMessage {
  readonly id: string
  readonly from: string
  readonly topic: string
  readonly qos: QoS
  readonly payload: Buffer
  readonly ts: number
}

const PAGE = 1000

/** Every topic in the index that the filter matches, in byte order. */
export async function matchingRetainedTopics(redis: Redis, keys: Keys, filter: string): Promise<string[]> {
  if (!hasWildcard(filter)) {
    const score = await redis.zscore(keys.retainIndex(), filter)
    return score === null ? [] : [filter]
  }
  const prefix = Buffer.from(literalPrefix(filter), 'utf8')
  const max = prefix.length === 0 ? Buffer.from('+') : Buffer.concat([Buffer.from('['), prefix, Buffer.from([0xff])])
  let min = prefix.length === 0 ? Buffer.from('-') : Buffer.concat([Buffer.from('['), prefix])
  const out: string[] = []
  for (;;) {
    const page = await redis.zrangebylexBuffer(keys.retainIndex(), min, max, 'LIMIT', 0, PAGE)
    for (const t of page) {
      const topic = t.toString('utf8')
      if (matches(filter, topic)) out.push(topic)
    }
    if (page.length < PAGE) return out
    min = Buffer.concat([Buffer.from('('), page[page.length - 1] as Buffer])
  }
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
