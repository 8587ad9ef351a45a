/**
 * The thin adapter between projections and Redis: a list of RedisWrite
 * becomes one pipelined round trip, never one round trip per event.
 */
import type { ChainableCommander } from 'ioredis'
import type { RedisWrite } from '../../projections/writes.js'
import type { EngineRedis } from './connect.js'
import { callScript, ensureScripts } from './scripts.js'

export interface ApplyResult {
  readonly commands: number
  /**
   * Per checkpoint, the position Redis held just before this transaction
   * (read inside it, so nothing can come between): below the position the
   * engine last applied means Redis lost writes it had acknowledged.
   */
  readonly previous: ReadonlyArray<number>
  /** Commands Redis answered with an error (e.g. WRONGTYPE on a foreign key); the others are applied. */
  readonly errors: ReadonlyArray<{ readonly write: RedisWrite; readonly error: Error }>
}

/** Append one write to a pipeline. */
export function queueWrite(p: ChainableCommander, w: RedisWrite): void {
  switch (w.op) {
    case 'hset': {
      const args: Array<string | Buffer> = []
      for (const [f, v] of w.fields) args.push(f, v)
      p.hset(w.key, ...args)
      return
    }
    case 'hsetnx':
      p.hsetnx(w.key, w.field, w.value)
      return
    case 'hdel':
      p.hdel(w.key, w.field)
      return
    case 'del':
      p.del(w.key)
      return
    case 'zadd':
      if (w.nx) p.zadd(w.key, 'NX', w.score, w.member)
      else p.zadd(w.key, w.score, w.member)
      return
    case 'pexpireat':
      p.pexpireat(w.key, w.at)
      return
    case 'zrem':
      p.zrem(w.key, w.member)
      return
    case 'set':
      p.set(w.key, w.value)
      return
    case 'srem':
      p.srem(w.key, w.member)
      return
    case 'script':
      callScript(p, w.name, w.keys, w.args)
      return
  }
}

/** Where a node's log has been applied up to, written in the same transaction as the writes it covers. */
export interface Checkpoint {
  readonly key: string
  readonly node: string
  readonly position: number
}

/**
 * Send every write in one round trip and wait for all replies. With a
 * checkpoint, the writes and the checkpoint go in one MULTI/EXEC: Redis has
 * either both or neither, so a crash between them cannot make the engine
 * skip or lose a batch. Rejects only when the connection itself fails;
 * per-command errors come back in the result.
 *
 * On a Redis Cluster the pipeline or transaction goes to the master owning
 * the keys' slot (ioredis follows MOVED/ASK); every key must share that slot,
 * as the engine's hash-tagged prefix makes them, or ioredis refuses the batch.
 */
export async function applyWrites(redis: EngineRedis, writes: readonly RedisWrite[], checkpoints: readonly Checkpoint[] = []): Promise<ApplyResult> {
  if (writes.length === 0 && checkpoints.length === 0) return { commands: 0, errors: [], previous: [] }
  ensureScripts(redis)
  const p = checkpoints.length > 0 ? redis.multi() : redis.pipeline()
  for (const c of checkpoints) p.hget(c.key, c.node)
  for (const w of writes) queueWrite(p, w)
  for (const c of checkpoints) p.hset(c.key, c.node, String(c.position))
  const replies = (await p.exec()) ?? []
  const errors: Array<{ write: RedisWrite; error: Error }> = []
  const n = checkpoints.length
  const previous = replies.slice(0, n).map(([, v]) => Number(v ?? '0'))
  replies.forEach(([err], i) => {
    if (err && i >= n && i < n + writes.length) errors.push({ write: writes[i - n] as RedisWrite, error: err })
  })
  return { commands: writes.length + 2 * n, errors, previous }
}
