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
import { writeKey, type RedisWrite } from '../../projections/writes.js'
import type { DomainEvent } from '../events/domain.js'
import type { EventLog } from '../log/event-log.js'
import { applyWrites, type Checkpoint } from '../redis/apply.js'
import type { Keys } from '../redis/keys.js'

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
}

interface HasEvents {
  readonly events: readonly DomainEvent[]
}

/** A batch after step 1: `last` is its last log position, 0 when it added nothing to a log. */
export interface Appended<T> {
  readonly batch: readonly T[]
  readonly last: number
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

export function createApply<T extends HasEvents>(deps: CommitDeps): (units: readonly Appended<T>[]) => Promise<void> {
  return async (units) => {
    const writes: RedisWrite[] = []
    let last = 0
    for (const u of units) {
      for (const d of u.batch) for (const e of d.events) for (const w of project(e, deps.keys)) writes.push(w)
      if (u.last > last) last = u.last
    }
    const checkpoints: Checkpoint[] = last > 0 ? [{ key: deps.keys.checkpoint(), node: deps.node, position: last }] : []
    const result = await applyWrites(deps.redis, writes, checkpoints)
    deps.counters.batches++
    deps.counters.redisCommands += result.commands
    if (result.errors.length > 0) {
      deps.counters.redisCommandErrors += result.errors.length
      const first = result.errors[0]
      deps.logger.error({ errors: result.errors.length, key: first ? writeKey(first.write) : undefined, err: first?.error.message }, 'redis refused some writes of a batch')
    }
  }
}
