/**
 * Committing one batch of decided events: append to the log (when there is
 * one), then apply the projections' writes and the checkpoint to Redis in
 * one transaction. The group-commit operator retries a failed commit with the
 * same batch; the log append is remembered per batch so a retry (Redis was
 * away) applies the writes again but never appends the events twice.
 */
import type { Redis } from 'ioredis'
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
  readonly redis: Redis
  readonly keys: Keys
  readonly node: string
  readonly logger: Logger
  readonly counters: CommitCounters
  /** Resolves to the open log, or null when the engine keeps none. */
  readonly log: Promise<EventLog | null>
}

export function createCommit<T extends { readonly events: readonly DomainEvent[] }>(deps: CommitDeps): (batch: readonly T[]) => Promise<void> {
  const appended = new WeakMap<readonly T[], number>()
  return async (batch) => {
    const log = await deps.log
    const events: DomainEvent[] = []
    for (const d of batch) for (const e of d.events) events.push(e)
    const writes: RedisWrite[] = []
    for (const e of events) for (const w of project(e, deps.keys)) writes.push(w)
    let checkpoints: Checkpoint[] = []
    if (log && events.length > 0) {
      // The log first: once appended, a crash before Redis has the writes loses nothing.
      let last = appended.get(batch)
      if (last === undefined) {
        last = (await log.append(events)).last
        appended.set(batch, last)
      }
      checkpoints = [{ key: deps.keys.checkpoint(), node: deps.node, position: last }]
    }
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
