/**
 * What a projection asks of Redis: plain data, no client, no I/O. The Redis
 * adapter (src/redis/apply.ts) turns lists of these into pipelined batches.
 * Every write here is idempotent: applying it twice leaves what applying it
 * once left.
 */
export type Value = string | Buffer

export type RedisWrite =
  | { readonly op: 'hset'; readonly key: string; readonly fields: ReadonlyArray<readonly [string, Value]> }
  | { readonly op: 'hsetnx'; readonly key: string; readonly field: string; readonly value: Value }
  | { readonly op: 'hdel'; readonly key: string; readonly field: string }
  | { readonly op: 'del'; readonly key: string }
  | { readonly op: 'zadd'; readonly key: string; readonly score: number; readonly member: string }
  | { readonly op: 'zrem'; readonly key: string; readonly member: string }

/** Unix seconds, as EMQX writes `online_at`, `offline_at` and `ts`. */
export function unixSeconds(ms: number): string {
  return String(Math.floor(ms / 1000))
}
