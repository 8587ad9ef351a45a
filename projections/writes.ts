/**
 * What a projection asks of Redis: plain data, no client, no I/O. The Redis
 * adapter (src/redis/apply.ts) turns lists of these into pipelined batches.
 * Every write here is idempotent: applying it twice leaves what applying it
 * once left (the scripts check before they change anything).
 */
import type { ScriptName } from '../src/redis/scripts.js'

export type Value = string | Buffer

export type RedisWrite =
  | { readonly op: 'hset'; readonly key: string; readonly fields: ReadonlyArray<readonly [string, Value]> }
  | { readonly op: 'hsetnx'; readonly key: string; readonly field: string; readonly value: Value }
  | { readonly op: 'hdel'; readonly key: string; readonly field: string }
  | { readonly op: 'del'; readonly key: string }
  /** `nx`: only when the member is not there yet (ZADD NX), so a first score is never moved. */
  | { readonly op: 'zadd'; readonly key: string; readonly score: number; readonly member: string; readonly nx?: boolean }
  | { readonly op: 'zrem'; readonly key: string; readonly member: string }
  | { readonly op: 'set'; readonly key: string; readonly value: Value }
  | { readonly op: 'srem'; readonly key: string; readonly member: string }
  /** Absolute expiry in Unix milliseconds (PEXPIREAT), so a rebuilt key expires when the live one would. */
  | { readonly op: 'pexpireat'; readonly key: string; readonly at: number }
  /** One of the engine's Lua scripts (src/redis/scripts), for writes that must be atomic. */
  | { readonly op: 'script'; readonly name: ScriptName; readonly keys: readonly string[]; readonly args: readonly Value[] }

/** Unix seconds, as EMQX writes `online_at`, `offline_at` and `ts`. */
export function unixSeconds(ms: number): string {
  return String(Math.floor(ms / 1000))
}

/** The (first) key a write touches, for error reports. */
export function writeKey(w: RedisWrite): string {
  return w.op === 'script' ? (w.keys[0] ?? '') : w.key
}
