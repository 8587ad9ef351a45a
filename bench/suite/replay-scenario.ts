/**
 * Replay of a generated log (bench/suite/replay-log.ts) into an empty Redis.
 *
 * - engine: src/replay/apply-log.ts applyLog, what `mqtt-redis replay` runs:
 *   read and decode the log, project, lower the sequence scripts, fold each
 *   batch of 1000 events into few commands, one MULTI/EXEC per batch with
 *   its checkpoint, two batches in flight.
 * - limit / ioredis: the very commands applyLog sends for the same batches
 *   (computed up front, not timed), in the same MULTI/EXEC per batch, two in
 *   flight: raw RESP on a socket / an ioredis transaction.
 *
 * Latency: a replayed event has no submitter. For the engine, every event of
 * a batch gets the time between the ack of the batch before it and its own
 * ack; limit and ioredis get each batch's send-to-ack time.
 */
import { Redis } from 'ioredis'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { project } from '../../projections/index.js'
import type { RedisWrite } from '../../projections/writes.js'
import { readEventLogChunks } from '../../src/log/reader.js'
import { planCommands, type Command } from '../../src/redis/command-plan.js'
import { RawConnection } from '../../src/redis/raw-connection.js'
import { RespWriter } from '../../src/redis/resp.js'
import { applyLog } from '../../src/replay/apply-log.js'
import { SequenceLowering } from '../../src/replay/lower-scripts.js'
import type { BenchContext } from './contenders.js'
import { now, pipelined, type ContenderName, type Prepared } from './measure.js'
import { REPLAY_NODE, replayEventAt, writeReplayLog } from './replay-log.js'
import { runEach, scenarioResult, type ScenarioResult } from './scenario.js'

/** applyLog's default batch. */
const BATCH = 1000
/** applyLog keeps two batches in flight. */
const IN_FLIGHT = 2

/** The commands applyLog sends for batch after batch of the log, checkpoint included (MULTI/EXEC not). */
function plannedBatches(ctx: BenchContext, n: number, at: number): Command[][] {
  const keys = ctx.keys
  const lowering = new SequenceLowering(keys, 0)
  const out: Command[][] = []
  for (let i = 0; i < n; i += BATCH) {
    const writes: RedisWrite[] = []
    const end = Math.min(n, i + BATCH)
    for (let j = i; j < end; j++) for (const w of project(replayEventAt(j, at + j), keys)) lowering.lower(w, writes)
    const counter = lowering.counterWrite()
    if (counter) writes.push(counter)
    const commands = planCommands(writes)
    commands.push(['HSET', keys.checkpoint(), REPLAY_NODE, end])
    out.push(commands)
  }
  return out
}

export async function replay(ctx: BenchContext, events: number, include: ReadonlySet<ContenderName>): Promise<ScenarioResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-redis-bench-replay-'))
  const at = Date.now()
  try {
    const t0 = now()
    await writeReplayLog(dir, events, at)
    ctx.say(`  replay: log of ${events} events written in ${Math.round(now() - t0)} ms`)
    // Built once, by the first of limit / ioredis that runs (not timed), after the engine has
    // run (so the engine's peak RSS does not hold them), and dropped after the last.
    let batches: Command[][] | null = null
    const planned = (): Command[][] => (batches ??= plannedBatches(ctx, events, at))
    const r = await runEach(ctx, 'replay', {
      limit: async (): Promise<Prepared> => {
        const b = planned()
        const conn = await RawConnection.open({ host: '127.0.0.1', port: ctx.server.port })
        const send = async (from: number): Promise<number> => {
          const commands = b[from / BATCH] ?? []
          const w = new RespWriter(1 << 20)
          w.command(['MULTI'])
          for (const c of commands) w.command(c)
          w.command(['EXEC'])
          const reply = await conn.send(w.take(), commands.length + 2)
          if (reply.last instanceof Error) return BATCH
          return Array.isArray(reply.last) ? reply.last.filter((x) => x instanceof Error).length : 0
        }
        return { ops: events, run: async (lat) => ({ errors: await pipelined(events, BATCH, IN_FLIGHT, send, lat) }), dispose: async () => conn.close() }
      },
      ioredis: async (): Promise<Prepared> => {
        const b = planned()
        const redis = new Redis(ctx.server.url)
        const send = async (from: number): Promise<number> => {
          const m = redis.multi()
          for (const [name, ...args] of b[from / BATCH] ?? []) m.call(String(name), ...args)
          const replies = await m.exec()
          if (replies === null) return BATCH
          return replies.filter(([err]) => err !== null).length
        }
        return { ops: events, run: async (lat) => ({ errors: await pipelined(events, BATCH, IN_FLIGHT, send, lat) }), dispose: async () => redis.disconnect() }
      },
      engine: async (): Promise<Prepared> => {
        const redis = new Redis(ctx.server.url)
        return {
          ops: events,
          run: async (lat) => {
            let last = now()
            let done = 0
            const onProgress = (applied: number): void => {
              const t = now()
              lat.fill(t - last, done, applied)
              last = t
              done = applied
            }
            const res = await applyLog(redis, ctx.keys, readEventLogChunks(dir), { exclusive: true, onProgress })
            return { errors: res.commandErrors + (events - res.applied) }
          },
          dispose: async () => redis.disconnect(),
        }
      },
    }, include, ['engine', 'limit', 'ioredis'])
    batches = null
    return scenarioResult('replay', { events, batch: BATCH }, r, [
      `a generated log of ${events} events (connects, subscriptions, retained, stored pubsub messages, disconnects over 10,000 clients) replayed into an empty Redis; an op is one event`,
      'engine: applyLog (read + decode the log, project, fold, MULTI/EXEC per 1000 events); limit / ioredis: the same MULTI/EXEC batches, planned up front; no peer',
    ])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
