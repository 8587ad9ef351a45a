/**
 * A comparable dump of every key in a Redis database: type, value and expiry,
 * for "the rebuilt state equals the live one" tests. The expiry is absolute
 * (PEXPIRETIME, to the second), so two dumps taken some seconds apart compare
 * equal when the keys expire at the same moment; a TTL would drift.
 */
import { Cluster, type Redis } from 'ioredis'

export type Dump = Record<string, { type: string; value: unknown; expiresAtSec: number }>

/** KEYS `pattern`; on a cluster, on every master (ioredis would send KEYS to any one node). */
async function keysOf(redis: Redis | Cluster, pattern: string): Promise<string[]> {
  if (!(redis instanceof Cluster)) return redis.keys(pattern)
  const perNode = await Promise.all(redis.nodes('master').map((n) => n.keys(pattern)))
  return perNode.flat()
}

export async function dumpKeys(redis: Redis | Cluster, pattern = '*'): Promise<Dump> {
  const out: Dump = {}
  for (const key of (await keysOf(redis, pattern)).sort()) {
    const type = await redis.type(key)
    let value: unknown
    if (type === 'hash') value = Object.entries(await redis.hgetallBuffer(key)).map(([f, v]) => [f, v.toString('base64')]).sort()
    else if (type === 'zset') value = await redis.zrange(key, 0, -1, 'WITHSCORES')
    else if (type === 'set') value = (await redis.smembers(key)).sort()
    else if (type === 'string') value = (await redis.getBuffer(key))?.toString('base64')
    else value = type
    const at = Number(await redis.call('PEXPIRETIME', key))
    out[key] = { type, value, expiresAtSec: at < 0 ? at : Math.floor(at / 1000) }
  }
  return out
}

/** `dump` with `prefix` cut from every key, to compare the state under two prefixes (e.g. `mqtt:` and `{mqtt}:`). */
export function withoutPrefix(dump: Dump, prefix: string): Dump {
  const out: Dump = {}
  for (const [k, v] of Object.entries(dump)) out[k.startsWith(prefix) ? k.slice(prefix.length) : k] = v
  return out
}
