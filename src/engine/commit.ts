/**
 * Committing decided events, in two steps that run one after the other:
 *
 * 1. `append`: a batch goes to the event log (when there is one) and gets the
 *    position of its last event. Once appended, it is durable: if Redis is
 *    away, the engine may acknowledge it to the host already.
 * 2. `apply`: one or more appended batches become the projections' writes and
 *    the checkpoint, in one MULTI/EXEC. The group-commit operator retries a
 *    failed apply with the same units; nothing is appended twice, because
 *    appending is a step of its own.
 */
import type { EngineRedis } from '../redis/connect.js'
import type { Logger } from 'pino'
import { project } from '../../projections/index.js'
import type { RedisWrite } from '../../projections/writes.js'
import type { DomainEvent } from '../events/domain.js'
import type { EventLog } from '../log/event-log.js'
import type { Checkpoint } from '../redis/apply.js'
import { openBulkSink, type BulkSink } from '../redis/bulk-sink.js'
import { planCommands } from '../redis/command-plan.js'
import type { Keys } from '../redis/keys.js'
import { reapplyLostWrites } from './startup.js'

export interface CommitCounters {
  batches: number
  redisCommands: number
  redisCommandErrors: number
}

export interface CommitDeps {
  readonly redis: EngineRedis
  readonly keys: Keys
  readonly node: string
  readonly logger: Logger
  readonly counters: CommitCounters
  /** Resolves to the open log, or null when the engine keeps none. */
  readonly log: Promise<EventLog | null>
  /** The log's directory, to apply again what a failed-over Redis lost; null without a log. */
  readonly logDir?: string | null
  /** Whether apply is called again before the previous call settles (the group commit's window is above 1). */
  readonly pipelined?: boolean
}

interface HasEvents {
  readonly events: readonly DomainEvent[]
}

/** A batch after step 1: `last` is its last log position, 0 when it added nothing to a log. */
export interface Appended<T> {
  readonly batch: readonly T[]
  readonly last: number
}

/**
 * A batch cut into parts of at most `most` items, each with the log position
 * of its own last event (the log numbers events one after another, so a
 * part's last is the batch's last less the events after it; 0 stays 0). The
 * engine applies a large batch as several transactions this way, so Redis
 * runs one while Node builds the next.
 */
export function splitAppended<T extends HasEvents>(u: Appended<T>, most: number): Array<Appended<T>> {
  if (u.batch.length <= most) return [u]
  let after = 0
  for (const d of u.batch) after += d.events.length
  const parts: Array<Appended<T>> = []
  for (let i = 0; i < u.batch.length; i += most) {
    const batch = u.batch.slice(i, i + most)
    for (const d of batch) after -= d.events.length
    parts.push({ batch, last: u.last === 0 ? 0 : u.last - after })
  }
  return parts
}

export function createAppend<T extends HasEvents>(deps: CommitDeps): (batch: readonly T[]) => Promise<number> {
  return async (batch) => {
    const log = await deps.log
    if (!log) return 0
    const events: DomainEvent[] = []
    for (const d of batch) for (const e of d.events) events.push(e)
    if (events.length === 0) return 0
    return (await log.append(events)).last
  }
}

export interface Applier<T> {
  /** Resolves with the number of commands sent, null when there was nothing to send. */
  (units: readonly Appended<T>[]): Promise<number | null>
  /** Close the connection the applier opened (the engine's own ioredis client stays). */
  close(): void
}

/**
 * Step 2. A batch's writes are folded into few commands (command-plan.ts)
 * and sent through the bulk sink, pre-encoded, with the checkpoint.
 */
export function createApply<T extends HasEvents>(deps: CommitDeps): Applier<T> {
  /** The last log position this engine saw Redis acknowledge. */
  let appliedUpTo = 0
  /** The checkpoint Redis fell back to, while the writes after it are not applied again yet. */
  let lostFrom: number | null = null
  let sink: Promise<BulkSink> | null = null
  const sinkOf = (): Promise<BulkSink> => {
    if (sink) return sink
    const opened = openBulkSink(deps.redis)
    // Redis is away: the batch fails, is retried, and the next try opens again.
    opened.catch(() => void (sink = null))
    sink = opened
    return opened
  }
  /** Settles when the transaction sent before the current one has been handled (its reply read, lost writes applied again). */
  let handledBefore: Promise<void> = Promise.resolve()
  const apply = async (units: readonly Appended<T>[]): Promise<number | null> => {
    const writes: RedisWrite[] = []
    let last = 0
    for (const u of units) {
      for (const d of u.batch) for (const e of d.events) for (const w of project(e, deps.keys)) writes.push(w)
      if (u.last > last) last = u.last
    }
    const checkpoints: Checkpoint[] = last > 0 ? [{ key: deps.keys.checkpoint(), node: deps.node, position: last }] : []
    if (writes.length === 0 && checkpoints.length === 0) return null
    const sink = await sinkOf()
    // Transactions go out in the order apply is called (one connection), and
    // their replies are handled in that order too, one after the other.
    const previous = handledBefore
    let handled!: () => void
    handledBefore = new Promise<void>((resolve) => (handled = resolve))
    let result: Awaited<ReturnType<BulkSink['apply']>>
    try {
      const sent = sink.apply(planCommands(writes), checkpoints)
      // Its failure is read below, after the earlier transaction's: not an unhandled rejection meanwhile.
      sent.catch(() => undefined)
      await previous
      result = await sent
    } catch (err) {
      handled()
      throw err
    }
    try {
      const before = result.previous[0]
      // Positions after `before` up to appliedUpTo were acknowledged by Redis once and are gone.
      if (deps.logDir && appliedUpTo > 0 && before !== undefined && before < appliedUpTo) lostFrom = Math.min(lostFrom ?? before, before)
      if (lostFrom !== null && deps.logDir) {
        // If this fails, the batch fails and is retried; lostFrom is kept, as the retried
        // transaction finds this batch's own checkpoint and no longer sees the gap.
        await reapplyLostWrites(deps.logDir, lostFrom, last, deps)
        lostFrom = null
        if (last > appliedUpTo) appliedUpTo = last
        // A transaction sent after this one may have run before those writes were
        // applied again: failing this batch makes the group commit send it and
        // every later one again, in order (group-commit.ts, semantics 3).
        if (deps.pipelined) throw new Error('writes that Redis lost were applied again from the log: the batches after them go again')
      }
    } finally {
      handled()
    }
    if (last > appliedUpTo) appliedUpTo = last
    deps.counters.batches++
    deps.counters.redisCommands += result.commands
    if (result.errors.length > 0) {
      deps.counters.redisCommandErrors += result.errors.length
      const first = result.errors[0]
      deps.logger.error({ errors: result.errors.length, command: first?.command[0], key: first?.command[1] !== undefined ? String(first.command[1]) : undefined, err: first?.error.message }, 'redis refused some writes of a batch')
    }
    return result.commands
  }
  return Object.assign(apply, {
    close: () => {
      void sink?.then((s) => s.close(), () => undefined)
      sink = null
    },
  })
}
