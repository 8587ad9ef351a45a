/**
 * Folding log records into Redis: what the engine does at startup for the
 * suffix of its log that Redis lacks, and what `mqtt-redis replay` does for
 * whole logs. Records go in batches; each batch's writes and the checkpoint
 * of every node it covers are one MULTI/EXEC, so replay can stop anywhere and
 * go on later. No reactions run: replay rebuilds state, it tells no broker.
 */
import type { Redis } from 'ioredis'
import { project } from '../../projections/index.js'
import type { RedisWrite } from '../../projections/writes.js'
import type { LogRecord } from '../log/reader.js'
import { applyWrites, type Checkpoint } from '../redis/apply.js'
import type { Keys } from '../redis/keys.js'

export interface ApplyLogOptions {
  /** Records per round trip. Default 5000. */
  readonly batch?: number
  /** Called after each batch with the number of records applied so far. */
  readonly onProgress?: (applied: number) => void
}

export interface ApplyLogResult {
  readonly applied: number
  readonly commandErrors: number
  /** Last position applied, per node. */
  readonly positions: ReadonlyMap<string, number>
}

/**
 * @example
 * await applyLog(redis, keys, readEventLog('./data/events', { from: 42 }))
 */
export async function applyLog(redis: Redis, keys: Keys, records: AsyncIterable<LogRecord>, opts: ApplyLogOptions = {}): Promise<ApplyLogResult> {
  const size = opts.batch ?? 5000
  const positions = new Map<string, number>()
  let applied = 0
  let commandErrors = 0
  let writes: RedisWrite[] = []
  let inBatch = new Map<string, number>()
  let count = 0
  // Two batches in flight at most: while Redis applies one (on one connection,
  // so in order), the next is read, decoded and projected here.
  let previous: Promise<void> = Promise.resolve()
  const flush = async (): Promise<void> => {
    if (count === 0) return
    const checkpoints: Checkpoint[] = [...inBatch].map(([node, position]) => ({ key: keys.checkpoint(), node, position }))
    const sent = count
    const covered = inBatch
    const applying = applyWrites(redis, writes, checkpoints).then((r) => {
      commandErrors += r.errors.length
      applied += sent
      for (const [node, position] of covered) positions.set(node, position)
      opts.onProgress?.(applied)
    })
    writes = []
    inBatch = new Map()
    count = 0
    await previous
    previous = applying
  }
  for await (const rec of records) {
    for (const w of project(rec.event, keys)) writes.push(w)
    inBatch.set(rec.event.meta.node, rec.position)
    count++
    if (count >= size) await flush()
  }
  await flush()
  await previous
  return { applied, commandErrors, positions }
}

/** The position of `node`'s log that Redis has applied up to (0 when none). */
export async function checkpointOf(redis: Redis, keys: Keys, node: string): Promise<number> {
  return Number((await redis.hget(keys.checkpoint(), node)) ?? '0')
}
