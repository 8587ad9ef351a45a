/**
 * A tiny in-memory interpreter of RedisWrite[] (strings, hashes, sorted sets,
 * sets, del), with Redis's semantics: a hash, sorted set or set left empty
 * disappears, and a command on a key of another type fails with WRONGTYPE.
 * Scripts are not interpreted: a script write throws, so a test can never pass
 * by silently skipping one (the integration tests run them on a real Redis).
 */
import type { RedisWrite, Value } from '../../../projections/writes.js'
import type { EventMeta } from '../../../src/events/domain.js'

type Entry =
  | { readonly type: 'hash'; readonly m: Map<string, Value> }
  | { readonly type: 'zset'; readonly m: Map<string, number> }
  | { readonly type: 'string'; readonly v: Value }
  | { readonly type: 'set'; readonly m: Set<string> }
export type RedisModel = Map<string, Entry>
export type Snapshot = Record<string, { hash: Record<string, Value> } | { zset: Record<string, number> } | { string: Value } | { set: string[] }>

export function emptyModel(): RedisModel {
  return new Map()
}

function hash(db: RedisModel, key: string, create: boolean): Map<string, Value> | undefined {
  const e = db.get(key)
  if (e && e.type !== 'hash') throw new Error(`WRONGTYPE ${key}`)
  if (e) return e.m
  if (!create) return undefined
  const m = new Map<string, Value>()
  db.set(key, { type: 'hash', m })
  return m
}

function zset(db: RedisModel, key: string, create: boolean): Map<string, number> | undefined {
  const e = db.get(key)
  if (e && e.type !== 'zset') throw new Error(`WRONGTYPE ${key}`)
  if (e) return e.m
  if (!create) return undefined
  const m = new Map<string, number>()
  db.set(key, { type: 'zset', m })
  return m
}

export function applyWrites(db: RedisModel, writes: readonly RedisWrite[]): RedisModel {
  for (const w of writes) {
    switch (w.op) {
      case 'hset': {
        const h = hash(db, w.key, true)!
        for (const [f, v] of w.fields) h.set(f, v)
        break
      }
      case 'hsetnx': {
        const h = hash(db, w.key, true)!
        if (!h.has(w.field)) h.set(w.field, w.value)
        break
      }
      case 'hdel': {
        const h = hash(db, w.key, false)
        h?.delete(w.field)
        if (h?.size === 0) db.delete(w.key)
        break
      }
      case 'del':
        db.delete(w.key)
        break
      case 'zadd': {
        const z = zset(db, w.key, true)!
        if (!w.nx || !z.has(w.member)) z.set(w.member, w.score)
        break
      }
      case 'zrem': {
        const z = zset(db, w.key, false)
        z?.delete(w.member)
        if (z?.size === 0) db.delete(w.key)
        break
      }
      case 'set':
        // SET replaces a value of any type.
        db.set(w.key, { type: 'string', v: w.value })
        break
      case 'srem': {
        const e = db.get(w.key)
        if (e && e.type !== 'set') throw new Error(`WRONGTYPE ${w.key}`)
        e?.m.delete(w.member)
        if (e?.m.size === 0) db.delete(w.key)
        break
      }
      case 'script':
        throw new Error(`the model does not run scripts (${w.name})`)
      case 'pexpireat':
        throw new Error(`the model does not track expiry (${w.key})`)
    }
  }
  return db
}

/** A plain, comparable copy of the model (Buffers kept as Buffers, compared byte by byte by toEqual). */
export function snapshot(db: RedisModel): Snapshot {
  const out: Snapshot = {}
  for (const [k, e] of [...db.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const copy = (v: Value): Value => (Buffer.isBuffer(v) ? Buffer.from(v) : v)
    switch (e.type) {
      case 'hash':
        out[k] = { hash: Object.fromEntries([...e.m].map(([f, v]) => [f, copy(v)])) }
        break
      case 'zset':
        out[k] = { zset: Object.fromEntries(e.m) }
        break
      case 'string':
        out[k] = { string: copy(e.v) }
        break
      case 'set':
        out[k] = { set: [...e.m].sort() }
        break
    }
  }
  return out
}

/** Apply `writes` once and twice to copies of the state `before` left, and return both snapshots. */
export function onceAndTwice(before: readonly RedisWrite[], writes: readonly RedisWrite[]): { once: Snapshot; twice: Snapshot } {
  const once = applyWrites(applyWrites(emptyModel(), before), writes)
  const twice = applyWrites(applyWrites(applyWrites(emptyModel(), before), writes), writes)
  return { once: snapshot(once), twice: snapshot(twice) }
}

export const meta = (clientId: string, seq: number, at: number, node = 'n1'): EventMeta => ({ clientId, node, seq, at })
