/**
 * A comparable dump of every key in a Redis database: type, value and TTL
 * (to the second), for "the rebuilt state equals the live one" tests.
 */
import type { Redis } from 'ioredis'

export type Dump = Record<string, { type: string; value: unknown; ttl: number }>

export async function dumpKeys(redis: Redis, pattern = '*'): Promise<Dump> {
  const out: Dump = {}
  for (const key of (await redis.keys(pattern)).sort()) {
    const type = await redis.type(key)
    let value: unknown
    if (type === 'hash') value = Object.entries(await redis.hgetallBuffer(key)).map(([f, v]) => [f, v.toString('base64')]).sort()
    else if (type === 'zset') value = await redis.zrange(key, 0, -1, 'WITHSCORES')
    else if (type === 'set') value = (await redis.smembers(key)).sort()
    else if (type === 'string') value = (await redis.getBuffer(key))?.toString('base64')
    else value = type
    out[key] = { type, value, ttl: await redis.ttl(key) }
  }
  return out
}

/** TTLs may differ by a second between two dumps taken a moment apart. */
export function withCoarseTtl(d: Dump): Dump {
  const out: Dump = {}
  for (const [k, v] of Object.entries(d)) out[k] = { ...v, ttl: v.ttl < 0 ? v.ttl : Math.round(v.ttl / 10) }
  return out
}
