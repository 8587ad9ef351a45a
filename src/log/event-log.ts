/**
 * The durable, append-only log of domain events: every event the engine
 * decides is written here, in order, before projections see it, so a restart
 * can replay what Redis may not yet hold.
 *
 * Records get positions (LSNs) 1, 2, 3, ... with no gaps. Appends are
 * serialized; each is one write call of all its frames. A directory is owned
 * by one writer: a second open in this process is refused, and so is an open
 * by a second process while the first runs (the LOCK file, see lock.ts).
 */
import { open } from 'node:fs/promises'
import { resolve } from 'node:path'
import { pino, type Logger } from 'pino'
import { lockDir } from './lock.js'
import { recoverLog, type Verify } from './recover.js'
import { SEGMENT_HEADER_BYTES } from './segment.js'
import { FileEventLog, type Durability, type EventLog } from './writer.js'

export { CorruptLogError, EventLogClosedError, LogDecodeError } from './errors.js'
export { LogLockedError } from './lock.js'
export type { Verify } from './recover.js'
export type { AppendResult, Durability, EventLog } from './writer.js'

export interface EventLogOptions {
  /** The log's directory; created if missing. */
  readonly dir: string
  /** Start a new segment when an append would grow the current one past this; default 64 MiB. A batch never spans segments. */
  readonly segmentBytes?: number
  /** Default `{ mode: 'batch' }`. */
  readonly durability?: Durability
  /** Default silent. */
  readonly logger?: Logger
  /**
   * What open checks: `tail` (default) reads every segment header and every
   * record of the last segment; `all` reads every record of every segment,
   * which costs a full read of the log. Damage in records of earlier segments
   * is otherwise found by `readEventLog`, which checks every record it reads.
   */
  readonly verify?: Verify
}

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024
const openDirs = new Set<string>()

/**
 * Open (or create) the log. A torn or checksum-failing record at the tail of
 * the last segment (what a crash mid-append leaves) is cut away and reported
 * in one `logger.warn` line (segment, offset, bytesDropped); damage anywhere
 * else throws CorruptLogError naming the segment file and byte offset.
 *
 * @example
 * const log = await openEventLog({ dir: './data/log' })
 * const { first, last } = await log.append(events)
 * await log.close()
 */
export async function openEventLog(opts: EventLogOptions): Promise<EventLog> {
  const segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES
  if (!Number.isSafeInteger(segmentBytes) || segmentBytes <= SEGMENT_HEADER_BYTES) {
    throw new RangeError(`segmentBytes must be an integer > ${SEGMENT_HEADER_BYTES}, got ${segmentBytes}`)
  }
  const durability = opts.durability ?? { mode: 'batch' }
  if (durability.mode === 'interval' && !(Number.isFinite(durability.everyMs) && durability.everyMs > 0)) {
    throw new RangeError(`durability.everyMs must be a number > 0, got ${durability.everyMs}`)
  }
  const logger = opts.logger ?? pino({ enabled: false })
  const dir = resolve(opts.dir)
  if (openDirs.has(dir)) throw new Error(`the event log in ${dir} is already open in this process`)
  openDirs.add(dir)
  let unlock: (() => Promise<void>) | null = null
  try {
    unlock = await lockDir(dir)
    const r = await recoverLog(dir, logger, opts.verify ?? 'tail')
    // 'a' (O_APPEND): every write lands at the end, whatever else happened to the offset.
    const fh = await open(r.tail.path, 'a')
    const release = unlock
    return new FileEventLog(dir, fh, r.tailBytes, r.lastPosition + 1, segmentBytes, durability, logger, () => {
      openDirs.delete(dir)
      void release()
    })
  } catch (e) {
    openDirs.delete(dir)
    await unlock?.()
    throw e
  }
}
