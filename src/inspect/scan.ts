/**
 * Walking keys by pattern with SCAN, for the questions no index answers
 * (which node a client is on when no checkpoint names it, which clients
 * have a pubsub start or a stored subscription matching a topic). For an
 * operator's tool, not for the engine's paths: its cost grows with the
 * keyspace, never blocking Redis (SCAN, not KEYS).
 */
import type { Redis } from 'ioredis'
import { globLiteral } from './values.js'

/** Every key starting with `prefix` (a literal, not a pattern). */
export async function scanPrefix(redis: Redis, prefix: string): Promise<string[]> {
  const out = new Set<string>()
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${globLiteral(prefix)}*`, 'COUNT', 1000)
    for (const k of keys) out.add(k)
    cursor = next
  } while (cursor !== '0')
  return [...out].sort()
}
