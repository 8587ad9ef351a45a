/**
 * A batch of RedisWrite as few Redis commands as give the same end state.
 *
 * A batch goes to Redis as one MULTI/EXEC, so nobody sees the states between
 * its writes: only the end state counts. Writes to one key fold into one
 * pending state (a hash's fields, a sorted set's members, a string's value)
 * and come out as one command per kind: a thousand connects on one node
 * become one HSET of `mqtt:node:${node}`, a thousand retained messages one
 * ZADD of the retained index. Writes to different keys commute, so pending
 * states may come out in any order.
 *
 * Only what folds exactly is folded. HSETNX and ZADD NX on a field or member
 * the batch has not touched still depend on what Redis holds, and stay
 * conditional. A write the folding does not model (SREM, an expiry on a key
 * the batch has not written, a field deleted from a key with an expiry) first
 * sends out that key's pending state and then goes as it is. A script reads
 * and writes keys the planner cannot see into: everything pending goes out
 * before it. Message stores planned one after the other, with nothing between
 * them, go as one storeMessages call (a script call costs Redis more than
 * the writes it makes).
 *
 * One assumption, true of every projection here: a field or member is never
 * deleted from a key that got its expiry before the batch (keys with an expiry,
 * the message hashes, are written whole and deleted whole). Within a batch, a
 * deletion after an expiry the planner saw sends the key out first.
 */
import type { RedisWrite, Value } from '../../projections/writes.js'
import type { RespArg } from './resp.js'
import { scriptDef } from './scripts.js'

export type Command = readonly RespArg[]

type FieldOp = { readonly t: 'set'; readonly v: Value } | { readonly t: 'del' } | { readonly t: 'nx'; readonly v: Value }
type MemberOp = { readonly t: 'add'; readonly score: number } | { readonly t: 'rem' } | { readonly t: 'nx'; readonly score: number }

type HsetWrite = Extract<RedisWrite, { op: 'hset' }>
type ZaddWrite = Extract<RedisWrite, { op: 'zadd' }>

// Most keys get one write per batch: `only` holds it as it came, and the
// map is built when a second write arrives (see fieldsOf / membersOf).
interface HashState {
  readonly kind: 'hash'
  /** DEL first: the key's earlier contents are gone. */
  readonly deleted: boolean
  only: HsetWrite | null
  fields: Map<string, FieldOp> | null
  expireAt: number | null
}
interface ZsetState {
  readonly kind: 'zset'
  readonly deleted: boolean
  only: ZaddWrite | null
  members: Map<string, MemberOp> | null
}
interface StringState {
  readonly kind: 'string'
  readonly value: Value
}
interface DeletedState {
  readonly kind: 'deleted'
}
type KeyState = HashState | ZsetState | StringState | DeletedState

/**
 * Plan the commands of one batch.
 *
 * @example
 * planCommands([
 *   { op: 'hset', key: 'mqtt:node:n1', fields: [['c1', '17']] },
 *   { op: 'hset', key: 'mqtt:node:n1', fields: [['c2', '17']] },
 * ])
 * // [['HSET', 'mqtt:node:n1', 'c1', '17', 'c2', '17']]
 */
export function planCommands(writes: readonly RedisWrite[]): Command[] {
  const out: Command[] = []
  const stores = new StoreRun()
  const pending = new Map<string, KeyState>()
  // Keys given an expiry in this batch: deleting from them could empty the
  // key and drop the expiry, so those deletions keep their place in order.
  const expiring = new Set<string>()

  const flushKey = (key: string): void => {
    const s = pending.get(key)
    if (!s) return
    pending.delete(key)
    if (s.kind === 'hash' && s.expireAt !== null) expiring.add(key)
    emit(out, key, s)
  }
  const flushAll = (): void => {
    for (const [key, s] of pending) emit(out, key, s)
    pending.clear()
  }

  for (const w of writes) {
    switch (w.op) {
      case 'hset':
      case 'hsetnx':
      case 'hdel': {
        const s = pending.get(w.key)
        if (w.op === 'hdel' && (expiring.has(w.key) || (s?.kind === 'hash' && s.expireAt !== null))) {
          // Deleting the last field would drop the key and its expiry; a later HSET would not bring the expiry back.
          flushKey(w.key)
          out.push(['HDEL', w.key, w.field])
          break
        }
        const h = asHash(pending, w.key, s, out)
        if (w.op === 'hset' && h.only === null && h.fields === null) {
          h.only = w
          break
        }
        const fields = fieldsOf(h)
        if (w.op === 'hset') for (const [f, v] of w.fields) fields.set(f, { t: 'set', v })
        else if (w.op === 'hdel') fields.set(w.field, { t: 'del' })
        else {
          const cur = fields.get(w.field)
          if (cur === undefined) fields.set(w.field, h.deleted ? { t: 'set', v: w.value } : { t: 'nx', v: w.value })
          else if (cur.t === 'del') fields.set(w.field, { t: 'set', v: w.value })
          // set or nx already: the field exists by now, HSETNX does nothing.
        }
        break
      }
      case 'pexpireat': {
        const s = pending.get(w.key)
        if (s?.kind === 'hash' && hasSetField(s)) s.expireAt = w.at
        else {
          flushKey(w.key)
          out.push(['PEXPIREAT', w.key, w.at])
          expiring.add(w.key)
        }
        break
      }
      case 'zadd':
      case 'zrem': {
        if (w.op === 'zrem' && expiring.has(w.key)) {
          flushKey(w.key)
          out.push(['ZREM', w.key, w.member])
          break
        }
        const z = asZset(pending, w.key, pending.get(w.key), out)
        if (w.op === 'zadd' && !w.nx && z.only === null && z.members === null) {
          z.only = w
          break
        }
        const members = membersOf(z)
        if (w.op === 'zrem') members.set(w.member, { t: 'rem' })
        else if (!w.nx) members.set(w.member, { t: 'add', score: w.score })
        else {
          const cur = members.get(w.member)
          if (cur === undefined) members.set(w.member, z.deleted ? { t: 'add', score: w.score } : { t: 'nx', score: w.score })
          else if (cur.t === 'rem') members.set(w.member, { t: 'add', score: w.score })
        }
        break
      }
      case 'set':
        // SET replaces whatever the key held, of any type, and its expiry.
        pending.delete(w.key)
        pending.set(w.key, { kind: 'string', value: w.value })
        break
      case 'del':
        pending.delete(w.key)
        pending.set(w.key, { kind: 'deleted' })
        break
      case 'srem':
        flushKey(w.key)
        out.push(['SREM', w.key, w.member])
        break
      case 'script': {
        flushAll()
        if (w.name === 'storeMessage' && stores.add(out, w)) break
        const d = scriptDef(w.name)
        out.push(['EVALSHA', d.sha, w.keys.length, ...w.keys, ...w.args])
        break
      }
    }
  }
  flushAll()
  return out
}

type ScriptWrite = Extract<RedisWrite, { op: 'script' }>

/** Most messages one storeMessages call carries. */
const MAX_STORES_PER_CALL = 1000

/**
 * Adjacent storeMessage calls as one storeMessages call (scripts/storeMessages-3.lua):
 * "adjacent" meaning nothing was planned between them, so the order of every
 * write is kept. A lone call stays a storeMessage call.
 */
class StoreRun {
  /**
   * The last storeMessage planned, while its command is still the last of
   * `out`: at first its own call (`command` null), from the second message on
   * the storeMessages call that replaced it.
   */
  private run: { readonly at: number; readonly first: ScriptWrite; command: RespArg[] | null; count: number } | null = null

  /** Plan `w` (a storeMessage write) into `out`; false when it must go as a call of its own. */
  add(out: Command[], w: ScriptWrite): boolean {
    const r = this.run
    if (r === null || r.at !== out.length - 1 || r.count >= MAX_STORES_PER_CALL || !sameIndexes(r.first, w)) {
      this.run = { at: out.length, first: w, command: null, count: 1 }
      return false
    }
    if (r.command === null) {
      const [seq, , , topics, expiry] = r.first.keys
      r.command = ['EVALSHA', scriptDef('storeMessages').sha, 3, seq ?? '', topics ?? '', expiry ?? '']
      pushMessage(r.command, r.first)
      out[r.at] = r.command
    }
    pushMessage(r.command, w)
    r.count++
    return true
  }
}

/** The same three shared indexes (seq, topics, expiry: keys 0, 3 and 4 of a storeMessage write). */
function sameIndexes(a: ScriptWrite, b: ScriptWrite): boolean {
  return a.keys[0] === b.keys[0] && a.keys[3] === b.keys[3] && a.keys[4] === b.keys[4]
}

/** A message's 11 values: its hash key, its topic index key, then storeMessage's 9 arguments. */
function pushMessage(command: RespArg[], w: ScriptWrite): void {
  command.push(w.keys[1] ?? '', w.keys[2] ?? '')
  for (const a of w.args) command.push(a)
}

function hasSetField(s: HashState): boolean {
  if (s.only !== null) return s.only.fields.length > 0
  for (const op of s.fields?.values() ?? []) if (op.t === 'set') return true
  return false
}

function fieldsOf(h: HashState): Map<string, FieldOp> {
  if (h.fields !== null) return h.fields
  const m = new Map<string, FieldOp>()
  if (h.only !== null) for (const [f, v] of h.only.fields) m.set(f, { t: 'set', v })
  h.only = null
  h.fields = m
  return m
}

function membersOf(z: ZsetState): Map<string, MemberOp> {
  if (z.members !== null) return z.members
  const m = new Map<string, MemberOp>()
  if (z.only !== null) m.set(z.only.member, { t: 'add', score: z.only.score })
  z.only = null
  z.members = m
  return m
}

function asHash(pending: Map<string, KeyState>, key: string, s: KeyState | undefined, out: Command[]): HashState {
  if (s?.kind === 'hash') return s
  if (s !== undefined && s.kind !== 'deleted') {
    // Another type pending on this key: let Redis judge, in order.
    pending.delete(key)
    emit(out, key, s)
  }
  const h: HashState = { kind: 'hash', deleted: s?.kind === 'deleted', only: null, fields: null, expireAt: null }
  pending.set(key, h)
  return h
}

function asZset(pending: Map<string, KeyState>, key: string, s: KeyState | undefined, out: Command[]): ZsetState {
  if (s?.kind === 'zset') return s
  if (s !== undefined && s.kind !== 'deleted') {
    pending.delete(key)
    emit(out, key, s)
  }
  const z: ZsetState = { kind: 'zset', deleted: s?.kind === 'deleted', only: null, members: null }
  pending.set(key, z)
  return z
}

function emit(out: Command[], key: string, s: KeyState): void {
  switch (s.kind) {
    case 'deleted':
      out.push(['DEL', key])
      return
    case 'string':
      out.push(['SET', key, s.value])
      return
    case 'hash': {
      if (s.deleted) out.push(['DEL', key])
      const set: RespArg[] = ['HSET', key]
      if (s.only !== null) {
        for (const [f, v] of s.only.fields) set.push(f, v)
        if (set.length > 2) out.push(set)
        if (s.expireAt !== null) out.push(['PEXPIREAT', key, s.expireAt])
        return
      }
      const fields = s.fields ?? new Map<string, FieldOp>()
      const del: RespArg[] = ['HDEL', key]
      for (const [f, op] of fields) {
        if (op.t === 'del') {
          if (!s.deleted) del.push(f)
        } else if (op.t === 'set') set.push(f, op.v)
      }
      // Deletions last: the fields set and deleted are distinct, so the key is
      // emptied (and would lose an expiry) only when nothing is left in it.
      if (set.length > 2) out.push(set)
      for (const [f, op] of fields) if (op.t === 'nx') out.push(['HSETNX', key, f, op.v])
      if (del.length > 2) out.push(del)
      if (s.expireAt !== null) out.push(['PEXPIREAT', key, s.expireAt])
      return
    }
    case 'zset': {
      if (s.deleted) out.push(['DEL', key])
      if (s.only !== null) {
        out.push(['ZADD', key, s.only.score, s.only.member])
        return
      }
      const rem: RespArg[] = ['ZREM', key]
      const add: RespArg[] = ['ZADD', key]
      const nx: RespArg[] = ['ZADD', key, 'NX']
      for (const [m, op] of s.members ?? []) {
        if (op.t === 'rem') {
          if (!s.deleted) rem.push(m)
        } else if (op.t === 'add') add.push(op.score, m)
        else nx.push(op.score, m)
      }
      if (add.length > 2) out.push(add)
      if (nx.length > 3) out.push(nx)
      if (rem.length > 2) out.push(rem)
      return
    }
  }
}
