/**
 * Engine startup with a log: open it (repairing a torn tail), then apply to
 * Redis exactly the suffix Redis lacks, from this node's checkpoint on. Only
 * then does the engine take new batches, so Redis never sees them out of order.
 */
import type { EngineRedis } from '../redis/connect.js'
import type { Logger } from 'pino'
import { openEventLog, type Durability, type EventLog } from '../log/event-log.js'
import { readEventLogChunks } from '../log/reader.js'
import type { Keys } from '../redis/keys.js'
import { applyLog, checkpointOf } from '../replay/apply-log.js'

export interface LogOptions {
  readonly dir: string
  readonly durability?: Durability
  readonly segmentBytes?: number
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
