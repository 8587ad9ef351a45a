/**
 * Engine startup with a log: open it (repairing a torn tail), then apply to
 * Redis exactly the suffix Redis lacks, from this node's checkpoint on. Only
 * then does the engine take new batches, so Redis never sees them out of order.
 */
import type { EngineRedis } from '../redis/connect.js'
import type { Logger } from 'pino'
import { openEventLog, type Durability, type EventLog } from '../log/event-log.js'
import { readEventLogChunks, type LogRecord } from '../log/reader.js'
import type { Keys } from '../redis/keys.js'
import { applyLog, checkpointOf } from '../replay/apply-log.js'

export interface LogOptions {
  readonly dir: string
  readonly durability?: Durability
  readonly segmentBytes?: number
}

/** The records of `chunks` up to position `to`, then stop. */
async function* upTo(chunks: AsyncIterable<LogRecord[]>, to: number): AsyncGenerator<LogRecord[]> {
  for await (const chunk of chunks) {
    const last = chunk[chunk.length - 1]
    if (last === undefined) continue
    if (last.position <= to) yield chunk
    else {
      const head = chunk.filter((r) => r.position <= to)
      if (head.length > 0) yield head
      return
    }
  }
}

/**
 * Redis lost writes it had acknowledged (a failover to a replica that lagged,
 * a restart without persistence): its checkpoint was `checkpoint` when the
 * engine had applied more. Apply the log again from there through `to` (the
 * batch just written included), in order, so the state ends as if nothing
 * had been lost. Every projection write is idempotent, so what Redis did
 * keep is unharmed. Returns how many records were applied.
 */
export async function reapplyLostWrites(
  dir: string,
  checkpoint: number,
  to: number,
  deps: { readonly redis: EngineRedis; readonly keys: Keys; readonly logger: Logger },
): Promise<number> {
  // The writer may be appending meanwhile: a torn tail is a record not written yet, not damage.
  const r = await applyLog(deps.redis, deps.keys, upTo(readEventLogChunks(dir, { from: checkpoint + 1, tolerateTornTail: true }), to))
  deps.logger.warn(
    { checkpoint, to, reapplied: r.applied },
    'redis had lost writes it had acknowledged (a failover to a replica that lagged, or a restart without persistence): applied them again from the event log',
  )
  return r.applied
}

export async function openAndCatchUp(
  opts: LogOptions,
  deps: { readonly redis: EngineRedis; readonly keys: Keys; readonly node: string; readonly logger: Logger },
): Promise<EventLog> {
  const log = await openEventLog({
    dir: opts.dir,
    logger: deps.logger,
    ...(opts.durability ? { durability: opts.durability } : {}),
    ...(opts.segmentBytes ? { segmentBytes: opts.segmentBytes } : {}),
  })
  try {
    const applied = await checkpointOf(deps.redis, deps.keys, deps.node)
    if (log.lastPosition() > applied) {
      const r = await applyLog(deps.redis, deps.keys, readEventLogChunks(opts.dir, { from: applied + 1 }))
      deps.logger.info({ from: applied + 1, applied: r.applied }, 'redis caught up with the event log')
    }
    return log
  } catch (e) {
    await log.close()
    throw e
  }
}
