/**
 * Where planned batches go: each batch, with the checkpoints it covers, is
 * one MULTI/EXEC. On a plain TCP Redis the commands go pre-encoded over a
 * raw connection; over TLS, a Unix socket, Sentinel or Redis Cluster they go
 * through the ioredis client instead (same commands, same transaction).
 *
 * Why not a raw connection to the cluster master that owns the engine's slot:
 * it would have to follow MOVED/ASK itself when the slot moves (resharding, a
 * failover) in the middle of a replay. The ioredis Cluster client already
 * does, and sends each batch's MULTI/EXEC to the owner of its one slot.
 */
import type { Checkpoint } from './apply.js'
import type { Command } from './command-plan.js'
import { isCluster, type EngineRedis } from './connect.js'
import { RawConnection } from './raw-connection.js'
import { RespWriter } from './resp.js'
import { callScript, ensureScripts, loadScripts, scriptDefs, type ScriptName } from './scripts.js'

export interface BulkResult {
  readonly commands: number
  /** Commands Redis refused (e.g. WRONGTYPE on a foreign key); the rest of the batch is applied. */
  readonly errors: ReadonlyArray<{ readonly command: Command; readonly error: Error }>
}

export interface BulkSink {
  /** Apply one batch atomically; rejects (and applies nothing) when the transaction as a whole fails. */
  apply(commands: readonly Command[], checkpoints: readonly Checkpoint[]): Promise<BulkResult>
  close(): void
}

/**
 * @example
 * const sink = await openBulkSink(redis)
 * await sink.apply([['HSET', 'k', 'f', 'v']], [{ key: 'mqtt:idx:checkpoint', node: 'n1', position: 7 }])
 */
export async function openBulkSink(redis: EngineRedis): Promise<BulkSink> {
  if (isCluster(redis)) return ioredisSink(redis)
  const o = redis.options
  const plainTcp = !o.tls && !o.path && !(o.sentinels && o.sentinels.length > 0)
  if (!plainTcp) return ioredisSink(redis)
  await loadScripts(redis)
  const conn = await RawConnection.open({ host: o.host ?? '127.0.0.1', port: o.port ?? 6379, username: o.username, password: o.password, db: o.db })
  return rawSink(conn)
}

function rawSink(conn: RawConnection): BulkSink {
  return {
    async apply(commands, checkpoints) {
      const w = new RespWriter(1 << 20)
      w.command(['MULTI'])
      for (const c of commands) w.command(c)
      for (const c of checkpoints) w.command(['HSET', c.key, c.node, c.position])
      w.command(['EXEC'])
      const n = w.commands
      const r = await conn.send(w.take(), n)
      const queued = r.errors.find((e) => e.index > 0)
      if (r.last instanceof Error) throw new Error(`the batch was not applied: ${r.last.message}${queued ? ` (${queued.error.message})` : ''}`, { cause: r.last })
      return { commands: n - 2, errors: execErrors(commands, r.last) }
    },
    close: () => conn.close(),
  }
}

/** Planned EVALSHA commands name scripts by SHA-1; the ioredis path calls them by name. */
function scriptsBySha(): ReadonlyMap<string, ScriptName> {
  return new Map(scriptDefs().map((d) => [d.sha, d.name]))
}

function ioredisSink(redis: EngineRedis): BulkSink {
  ensureScripts(redis)
  const bySha = scriptsBySha()
  return {
    async apply(commands, checkpoints) {
      const m = redis.multi()
      for (const [name, ...args] of commands) {
        // A script goes as the client's registered command, which sends EVAL
        // the first time on each connection: no NOSCRIPT on a node (a cluster
        // master, a promoted replica) whose script cache has not seen it.
        const script = name === 'EVALSHA' ? bySha.get(String(args[0])) : undefined
        if (script === undefined) {
          m.call(String(name), ...args)
          continue
        }
        const n = Number(args[1])
        callScript(m, script, args.slice(2, 2 + n).map(String), args.slice(2 + n))
      }
      for (const c of checkpoints) m.hset(c.key, c.node, String(c.position))
      const replies = await m.exec()
      if (replies === null) throw new Error('the batch was not applied: the transaction was discarded')
      return { commands: commands.length + checkpoints.length, errors: execErrors(commands, replies.map(([err, v]) => err ?? v)) }
    },
    close: () => undefined,
  }
}

function execErrors(commands: readonly Command[], replies: unknown): Array<{ command: Command; error: Error }> {
  const out: Array<{ command: Command; error: Error }> = []
  if (!Array.isArray(replies)) return out
  for (let i = 0; i < commands.length; i++) {
    const r: unknown = replies[i]
    if (r instanceof Error) out.push({ command: commands[i]!, error: r })
  }
  return out
}
