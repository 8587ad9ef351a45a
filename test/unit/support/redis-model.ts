/**
 * A tiny in-memory interpreter of RedisWrite[] (hashes, sorted sets, del), with
 * Redis's semantics: a hash or sorted set left empty disappears, and a command
 * on a key of the other type fails with WRONGTYPE.
 */
import type { RedisWrite, Value } from '../../../projections/writes.js'
import type { EventMeta } from '../../../src/events/domain.js'

type Entry = { readonly type: 'hash'; readonly m: Map<string, Value> } | { readonly type: 'zset'; readonly m: Map<string, number> }
export type RedisModel = Map<string, Entry>
export type Snapshot = Record<string, { hash: Record<string, Value> } | { zset: Record<string, number> }>

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
      case 'zadd':
        zset(db, w.key, true)!.set(w.member, w.score)
        break
      case 'zrem': {
        const z = zset(db, w.key, false)
        z?.delete(w.member)
        if (z?.size === 0) db.delete(w.key)
        break
      }
    }
  }
  return db
}

/** A plain, comparable copy of the model (Buffers kept as Buffers, compared byte by byte by toEqual). */
export function snapshot(db: RedisModel): Snapshot {
  const out: Snapshot = {}
  for (const [k, e] of [...db.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out[k] = e.type === 'hash'
      ? { hash: Object.fromEntries([...e.m].map(([f, v]) => [f, Buffer.isBuffer(v) ? Buffer.from(v) : v])) }
      : { zset: Object.fromEntries(e.m) }
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
