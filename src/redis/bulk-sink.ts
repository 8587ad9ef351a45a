/**
 * Where planned batches go, from replay and from the live engine alike: each
 * batch, with the checkpoints it covers, is one MULTI/EXEC, which first reads
 * each checkpoint it is about to replace (see ApplyResult.previous in
 * apply.ts). On a plain TCP Redis the commands go pre-encoded over a raw
 * connection (no per-command objects: on the live path ioredis' Command
 * objects were an eighth of the engine's time); over TLS, a Unix socket,
 * Sentinel or Redis Cluster they go through the ioredis client instead (same
 * commands, same transaction).
 *
 * The raw connection is opened on first use and again after it fails: a
 * batch that fails because Redis went away is retried by the caller and goes
 * out on a new connection, which first loads the engine's scripts (a Redis
 * that restarted has forgotten them). A batch that meets NOSCRIPT anyway (the
 * cache was flushed under a live connection) reloads them and fails whole,
 * to be retried: every projection write is idempotent.
 *
 * Why not a raw connection to the cluster master that owns the engine's slot:
 * it would have to follow MOVED/ASK itself when the slot moves (resharding, a
 * failover) in the middle of a replay. The ioredis Cluster client already
 * does, and sends each batch's MULTI/EXEC to the owner of its one slot.
 */
import type { Checkpoint } from './apply.js'
import type { Command } from './command-plan.js'
import { isCluster, type EngineRedis } from './connect.js'
import { RawConnection, type RawTarget } from './raw-connection.js'
import { RespWriter } from './resp.js'
import { callScript, ensureScripts, scriptDefs, type ScriptName } from './scripts.js'

export interface BulkResult {
  readonly commands: number
  /** Per checkpoint, the position Redis held just before this transaction. */
  readonly previous: readonly number[]
  /** Commands Redis refused (e.g. WRONGTYPE on a foreign key); the rest of the batch is applied. */
  readonly errors: ReadonlyArray<{ readonly command: Command; readonly error: Error }>
}

export interface BulkSink {
  /** Apply one batch atomically; rejects when the transaction as a whole fails (then nothing, or with NOSCRIPT an idempotent part, was applied). */
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
  const sink = rawSink({ host: o.host ?? '127.0.0.1', port: o.port ?? 6379, username: o.username, password: o.password, db: o.db })
  await sink.connect()
  return sink
}

/** Load every engine script through this connection (SCRIPT LOAD), so EVALSHA finds them. */
async function loadScriptsRaw(conn: RawConnection): Promise<void> {
  const w = new RespWriter(64 * 1024)
  const defs = scriptDefs()
  for (const d of defs) w.command(['SCRIPT', 'LOAD', d.lua])
  const r = await conn.send(w.take(), defs.length)
  const first = r.errors[0]
  if (first) throw first.error
}

function rawSink(target: RawTarget): BulkSink & { connect(): Promise<RawConnection> } {
  let conn: Promise<RawConnection> | null = null
  const connect = (): Promise<RawConnection> => {
    conn ??= RawConnection.open(target).then(async (c) => {
      await loadScriptsRaw(c)
      return c
    })
    // A failed open is forgotten, so the next batch tries again.
    conn.catch(() => void (conn = null))
    return conn
  }
  const writer = new RespWriter(1 << 20)
  return {
    connect,
    async apply(commands, checkpoints) {
      const c = await connect()
      writer.command(['MULTI'])
      for (const cp of checkpoints) writer.command(['HGET', cp.key, cp.node])
      for (const cmd of commands) writer.command(cmd)
      for (const cp of checkpoints) writer.command(['HSET', cp.key, cp.node, cp.position])
      writer.command(['EXEC'])
      const n = writer.commands
      let r
      try {
        r = await c.send(writer.take(), n)
      } catch (e) {
        // The connection is gone: the next batch opens a new one.
        conn = null
        throw e
      }
      const queued = r.errors.find((e) => e.index > 0)
      if (r.last instanceof Error) {
        // A Redis that checks EVALSHA when it is queued refuses the whole transaction
        // (EXECABORT) instead of answering NOSCRIPT inside EXEC (Redis 7 does the latter,
        // handled below): either way, load the scripts again before the retry.
        if (r.errors.some((e) => e.error.message.startsWith('NOSCRIPT'))) await loadScriptsRaw(c)
        throw new Error(`the batch was not applied: ${r.last.message}${queued ? ` (${queued.error.message})` : ''}`, { cause: r.last })
      }
      const replies: unknown[] = Array.isArray(r.last) ? r.last : []
      const k = checkpoints.length
      const errors = execErrors(commands, replies.slice(k))
      if (errors.some((e) => e.error.message.startsWith('NOSCRIPT'))) {
        await loadScriptsRaw(c)
        throw new Error('the batch met NOSCRIPT (the script cache was flushed): scripts reloaded, the batch is to be retried')
      }
      return { commands: commands.length + 2 * k, previous: replies.slice(0, k).map((v) => Number(v ?? '0')), errors }
    },
    close: () => {
      void conn?.then((c) => c.close(), () => undefined)
      conn = null
    },
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
      for (const c of checkpoints) m.hget(c.key, c.node)
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
      const values = replies.map(([err, v]) => err ?? v)
      const k = checkpoints.length
      return { commands: commands.length + 2 * k, previous: values.slice(0, k).map((v) => Number(v ?? '0')), errors: execErrors(commands, values.slice(k)) }
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
