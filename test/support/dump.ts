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

/**
 * The two dumps with each TTL of `b` replaced by `a`'s when they differ by at
 * most a second (two dumps taken a moment apart), so `toEqual` compares TTLs
 * to the second and shows any real difference.
 */
export function alignTtls(a: Dump, b: Dump): [Dump, Dump] {
  const out: Dump = {}
  for (const [k, v] of Object.entries(b)) {
    const t = a[k]?.ttl
    out[k] = t !== undefined && t >= 0 && v.ttl >= 0 && Math.abs(t - v.ttl) <= 1 ? { ...v, ttl: t } : v
  }
  return [a, out]
}
