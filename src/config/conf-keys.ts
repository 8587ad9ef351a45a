/**
 * What an `emqx_backend_redis.conf` key means. The layout, as EMQX documents it:
 *
 * - `backend.redis.<pool>.<setting>`: a pool setting; without `<pool>`
 *   (`backend.redis.server`, `backend.redis.sentinel`) it belongs to `pool1`;
 * - `backend.redis.hook.<hook>.<N>`: rule N of a hook, whose name has dots of
 *   its own (`message.publish`), so N is what follows the last dot;
 * - `backend.redis.msg.expired_after` or `backend.redis.expired_time`: message lifetime.
 */
import { POOL_NAME } from './pool.js'

/** The pool settings a conf may give. */
export const POOL_SETTINGS = [
  'server', 'pool_size', 'database', 'channel', 'password', 'username', 'type', 'sentinel',
  'ssl', 'ssl.cacertfile', 'ssl.certfile', 'ssl.keyfile', 'ssl.verify',
] as const
export type PoolSetting = (typeof POOL_SETTINGS)[number]

export type ConfKey =
  | { readonly kind: 'pool'; readonly pool: string; readonly setting: PoolSetting }
  | { readonly kind: 'hook'; readonly hook: string; readonly order: string }
  | { readonly kind: 'expiry' }

const PREFIX = 'backend.redis.'
// Names that start other key families, so never pool names.
const RESERVED = new Set(['hook', 'msg'])

/**
 * Classifies a key, or returns null for a key this backend does not know.
 *
 * @example
 * classifyKey('backend.redis.server')                  // { kind: 'pool', pool: 'pool1', setting: 'server' }
 * classifyKey('backend.redis.hook.message.publish.2')  // { kind: 'hook', hook: 'message.publish', order: '2' }
 */
export function classifyKey(key: string): ConfKey | null {
  if (!key.startsWith(PREFIX)) return null
  const rest = key.slice(PREFIX.length)
  if (rest.startsWith('hook.')) {
    const body = rest.slice('hook.'.length)
    const dot = body.lastIndexOf('.')
    // A hook key without `.N` is still a hook key: the reader reports the missing number, not "unknown key".
    return dot < 0 ? { kind: 'hook', hook: body, order: '' } : { kind: 'hook', hook: body.slice(0, dot), order: body.slice(dot + 1) }
  }
  if (rest === 'msg.expired_after' || rest === 'expired_time') return { kind: 'expiry' }
  const direct = asSetting(rest)
  if (direct !== null) return { kind: 'pool', pool: 'pool1', setting: direct }
  const dot = rest.indexOf('.')
  if (dot < 0) return null
  const pool = rest.slice(0, dot)
  const setting = asSetting(rest.slice(dot + 1))
  if (setting === null || RESERVED.has(pool) || !POOL_NAME.test(pool)) return null
  return { kind: 'pool', pool, setting }
}

/**
 * One name per meaning, so `backend.redis.server` and `backend.redis.pool1.server`
 * (or the two expiry names) count as the same key when looking for duplicates.
 *
 * @example
 * canonicalKey({ kind: 'expiry' }) // 'backend.redis.msg.expired_after'
 */
export function canonicalKey(k: ConfKey): string {
  switch (k.kind) {
    case 'pool': return `${PREFIX}${k.pool}.${k.setting}`
    case 'hook': return `${PREFIX}hook.${k.hook}.${k.order}`
    case 'expiry': return `${PREFIX}msg.expired_after`
  }
}

function asSetting(s: string): PoolSetting | null {
  return POOL_SETTINGS.find((x) => x === s) ?? null
}
