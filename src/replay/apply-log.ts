/**
 * Folding log records into Redis: what the engine does at startup for the
 * suffix of its log that Redis lacks, and what `mqtt-redis replay` does for
 * whole logs. Records go in batches; each batch's writes and the checkpoint
 * of every node it covers are one MULTI/EXEC, so replay can stop anywhere and
 * go on later. No reactions run: replay rebuilds state, it tells no broker.
 */
import type { EngineRedis } from '../redis/connect.js'
import { project } from '../../projections/index.js'
import type { RedisWrite } from '../../projections/writes.js'
import type { LogRecord } from '../log/reader.js'
import type { Checkpoint } from '../redis/apply.js'
import { openBulkSink } from '../redis/bulk-sink.js'
import { planCommands } from '../redis/command-plan.js'
import type { Keys } from '../redis/keys.js'
import { SequenceLowering } from './lower-scripts.js'

export interface ApplyLogOptions {
  /** Records per transaction. Default 1000: bigger batches fold a little more but cost more in garbage collection than they save (bench/replay.ts). */
  readonly batch?: number
  /** Called after each batch with the number of records applied so far. */
  readonly onProgress?: (applied: number) => void
  /**
   * Nobody else writes to this Redis meanwhile (a rebuild): the publish
   * sequence is kept here and message stores become plain writes (see
   * lower-scripts.ts). Leave it off where other nodes may be publishing, as
   * at an engine's startup catch-up.
   */
  readonly exclusive?: boolean
}

export interface ApplyLogResult {
  readonly applied: number
  readonly commandErrors: number
  /** Last position applied, per node. */
  readonly positions: ReadonlyMap<string, number>
}

/**
 * `records` may come one by one (readEventLog) or in arrays (readEventLogChunks, cheaper).
 *
 * @example
 * await applyLog(redis, keys, readEventLogChunks('./data/events', { from: 42 }))
 */
export async function applyLog(redis: EngineRedis, keys: Keys, records: AsyncIterable<LogRecord | readonly LogRecord[]>, opts: ApplyLogOptions = {}): Promise<ApplyLogResult> {
  const size = opts.batch ?? 1000
  const sink = await openBulkSink(redis)
  const lowering = opts.exclusive ? new SequenceLowering(keys, Number((await redis.get(keys.seq())) ?? '0')) : null
  const positions = new Map<string, number>()
  let applied = 0
  let commandErrors = 0
  let writes: RedisWrite[] = []
  let inBatch = new Map<string, number>()
  let count = 0
  // Two batches in flight at most: while Redis applies one (on one connection,
  // so in order), the next is read, decoded and planned here.
  let previous: Promise<void> = Promise.resolve()
  const flush = async (): Promise<void> => {
    if (count === 0) return
    const counter = lowering?.counterWrite()
    if (counter) writes.push(counter)
    const checkpoints: Checkpoint[] = [...inBatch].map(([node, position]) => ({ key: keys.checkpoint(), node, position }))
    const sent = count
    const covered = inBatch
    const applying = sink.apply(planCommands(writes), checkpoints).then((r) => {
      commandErrors += r.errors.length
      applied += sent
      for (const [node, position] of covered) positions.set(node, position)
      opts.onProgress?.(applied)
    })
    // A failed batch is reported by the await below or the next flush's; never left unhandled meanwhile.
    applying.catch(() => undefined)
    writes = []
    inBatch = new Map()
    count = 0
    await previous
    previous = applying
  }
  try {
    for await (const item of records) {
      for (const rec of Array.isArray(item) ? (item as readonly LogRecord[]) : [item as LogRecord]) {
        for (const w of project(rec.event, keys)) {
          if (lowering) lowering.lower(w, writes)
          else writes.push(w)
        }
        inBatch.set(rec.event.meta.node, rec.position)
        count++
        if (count >= size) await flush()
      }
    }
    await flush()
    await previous
  } finally {
    sink.close()
  }
  return { applied, commandErrors, positions }
}
/** The position of `node`'s log that Redis has applied up to (0 when none). */
export async function checkpointOf(redis: EngineRedis, keys: Keys, node: string): Promise<number> {
  return Number((await redis.hget(keys.checkpoint(), node)) ?? '0')
}
