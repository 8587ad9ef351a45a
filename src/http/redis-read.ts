/**
 * Bounded reads for the dashboard: a hash read whole when it is small and in
 * pages when it is not, and the offline backlog of the topics in the engine's
 * index of topics with stored messages. Never KEYS, never a SCAN of the keyspace.
 */
import type { EngineRedis } from '../redis/connect.js'
import type { Keys } from '../redis/keys.js'

export class ReadTimeoutError extends Error {
  constructor(ms: number) {
    super(`redis did not answer within ${ms} ms`)
  }
}

/** `p`, or a ReadTimeoutError after `ms` (the engine's client queues commands while Redis is away). */
export function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ReadTimeoutError(ms)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}

export interface HashRead {
  /** Fields read (all of them unless `partial`). */
  readonly entries: Record<string, string>
  /** HLEN: how many fields the hash has. */
  readonly total: number
  /** True when the hash had more than the limit and only a part was read. */
  readonly partial: boolean
}

/** HGETALL when the hash has at most `limit` fields, else HSCAN pages until `limit` fields are read. */
export async function readHash(redis: EngineRedis, key: string, limit: number): Promise<HashRead> {
  const total = await redis.hlen(key)
  if (total <= limit) return { entries: await redis.hgetall(key), total, partial: false }
  const entries: Record<string, string> = {}
  let n = 0
  let cursor = '0'
  do {
    const [next, flat] = await redis.hscan(key, cursor, 'COUNT', 500)
    for (let i = 0; i + 1 < flat.length && n < limit; i += 2) {
      const f = flat[i]
      const v = flat[i + 1]
      if (f === undefined || v === undefined || f in entries) continue
      entries[f] = v
      n++
    }
    cursor = next
  } while (cursor !== '0' && n < limit)
  return { entries, total, partial: true }
}

/** A hash's fields as numbers, largest first, at most `top`; fields whose value is not a number are left out. */
export function topCounts(entries: Readonly<Record<string, string>>, top: number): Array<{ readonly name: string; readonly count: number }> {
  const out: Array<{ name: string; count: number }> = []
  for (const [name, v] of Object.entries(entries)) {
    const count = Number(v)
    if (Number.isFinite(count)) out.push({ name, count })
  }
  out.sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1))
  return out.slice(0, top)
}

export interface Backlog {
  /** Topics with stored messages (ZCARD of the index). */
  readonly topics: number
  /** Stored messages on the topics read. */
  readonly messages: number
  /** The topics with the most stored messages, most first. */
  readonly top: Array<{ readonly topic: string; readonly messages: number }>
  /** True when the index had more topics than were read (`messages` then counts the first ones only). */
  readonly partial: boolean
}

/**
 * The offline backlog: the first `scanTopics` topics of `idx:msg_topics`
 * (a sorted set, read by rank), each counted with ZCARD of its `msg:${topic}`.
 */
export async function readBacklog(redis: EngineRedis, keys: Keys, top: number, scanTopics: number): Promise<Backlog> {
  const topics = await redis.zcard(keys.msgTopics())
  const names = topics === 0 ? [] : await redis.zrange(keys.msgTopics(), 0, scanTopics - 1)
  const sizes = await Promise.all(names.map((t) => redis.zcard(keys.msgTopic(t))))
  const rows = names.map((topic, i) => ({ topic, messages: sizes[i] ?? 0 })).filter((r) => r.messages > 0)
  rows.sort((a, b) => b.messages - a.messages || (a.topic < b.topic ? -1 : 1))
  return { topics, messages: rows.reduce((n, r) => n + r.messages, 0), top: rows.slice(0, top), partial: topics > names.length }
}
