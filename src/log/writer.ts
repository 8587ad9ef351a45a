/**
 * The writing side of an open log: serialized appends, one write call each,
 * fsync by durability mode, rolling to a new segment when one is full.
 */
import { open, type FileHandle } from 'node:fs/promises'
import type { Logger } from 'pino'
import type { DomainEvent } from '../events/domain.js'
import { EventLogClosedError } from './errors.js'
import { createSegment, encodeRecords, SEGMENT_HEADER_BYTES } from './segment.js'

/**
 * When an append counts as durable, and what a crash can take back.
 *
 * - `batch` (default): fsync before `append` resolves. Loss window: none once
 *   `append` resolves.
 * - `interval`: fsync every `everyMs` when there were writes since the last
 *   one. Loss window: on power loss, up to `everyMs` of appends; on a process
 *   crash none (the OS already has the bytes).
 * - `never`: no fsync but at segment roll and `close()`. Loss window: on power
 *   loss, whatever the OS had not yet written back; on a process crash none.
 *
 * @example
 * await openEventLog({ dir, durability: { mode: 'interval', everyMs: 100 } })
 */
export type Durability = { readonly mode: 'batch' } | { readonly mode: 'interval'; readonly everyMs: number } | { readonly mode: 'never' }

/** Positions of the appended records: consecutive, `last - first + 1` of them. */
export interface AppendResult {
  readonly first: number
  readonly last: number
}

export interface EventLog {
  /** Absolute path of the log's directory. */
  readonly dir: string
  /** Position of the last record in the log, 0 when empty. */
  lastPosition(): number
  /**
   * Append events in order as one write; resolves when written (and fsynced
   * for `batch`). Appends are serialized. An empty list writes nothing and
   * resolves `{ first: lastPosition() + 1, last: lastPosition() }`. After a
   * failed write or fsync every append rejects with EventLogClosedError.
   */
  append(events: readonly DomainEvent[]): Promise<AppendResult>
  /**
   * Let queued appends finish, fsync, then close; the same promise on every
   * call. Appends after this reject. After a failed write it only closes.
   */
  close(): Promise<void>
}

/**
 * The log `openEventLog` returns, writing to the last segment from `size`.
 * `onClose` runs once the file is closed.
 *
 * @example
 * new FileEventLog(dir, fh, tailBytes, lastPosition + 1, segmentBytes, { mode: 'batch' }, logger, () => {})
 */
export class FileEventLog implements EventLog {
  private queue: Promise<unknown> = Promise.resolve()
  private closing: Promise<void> | undefined
  private failure: { readonly error: unknown } | undefined
  private dirty = false
  private syncQueued = false
  private readonly timer: NodeJS.Timeout | undefined

  constructor(
    readonly dir: string,
    private fh: FileHandle,
    private size: number,
    private next: number,
    private readonly segmentBytes: number,
    private readonly durability: Durability,
    private readonly logger: Logger,
    private readonly onClose: () => void,
  ) {
    if (durability.mode === 'interval') {
      this.timer = setInterval(() => this.tick(), durability.everyMs)
      this.timer.unref() // a log left open must not keep the process alive
    }
  }

  lastPosition(): number {
    return this.next - 1
  }

  append(events: readonly DomainEvent[]): Promise<AppendResult> {
    if (this.closing) return Promise.reject(new EventLogClosedError())
    return this.serial(() => this.write(events))
  }

  close(): Promise<void> {
    this.closing ??= this.serial(() => this.shutdown())
    return this.closing
  }

  /** Run tasks one at a time, in call order; a failed task does not stop the ones after it. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task)
    this.queue = run.catch(() => undefined)
    return run
  }

  private async write(events: readonly DomainEvent[]): Promise<AppendResult> {
    if (this.failure) {
      throw new EventLogClosedError('the event log stopped after a failed write or fsync; reopen it', { cause: this.failure.error })
    }
    const first = this.next
    if (events.length === 0) return { first, last: first - 1 }
    const batch = encodeRecords(events, first) // a bad event throws here, before the file is touched
    await this.guard(async () => {
      if (this.size > SEGMENT_HEADER_BYTES && this.size + batch.length > this.segmentBytes) await this.roll(first)
      let done = 0
      while (done < batch.length) {
        const { bytesWritten } = await this.fh.write(batch, done, batch.length - done)
        if (bytesWritten <= 0) throw new Error('the event log write made no progress')
        done += bytesWritten
      }
      this.size += batch.length
      if (this.durability.mode === 'batch') await this.fh.datasync()
      else this.dirty = true
    })
    this.next = first + events.length
    return { first, last: this.next - 1 }
  }

  private async roll(first: number): Promise<void> {
    // fsync the full segment in every mode: then only the last segment can ever
    // be torn, and a power loss cannot leave a hole in the middle of the log.
    await this.fh.datasync()
    await this.fh.close()
    this.fh = await open(await createSegment(this.dir, first), 'a')
    this.size = SEGMENT_HEADER_BYTES
    this.dirty = false
  }

  /** The interval timer: fsync, queued behind the appends, if anything was written since the last. */
  private tick(): void {
    if (!this.dirty || this.syncQueued || this.failure || this.closing) return
    this.syncQueued = true
    this.serial(() => this.guard(() => this.sync())).catch(() => undefined) // guard has logged it
  }

  private async sync(): Promise<void> {
    this.syncQueued = false
    if (!this.dirty) return
    await this.fh.datasync()
    this.dirty = false
  }

  /**
   * After a failed write or fsync the file may end in a partial frame, and the
   * page cache may have dropped what fsync could not write: nothing appended
   * after it would be safe, so the log stops (reopening cuts the tail).
   */
  private async guard(op: () => Promise<void>): Promise<void> {
    try {
      await op()
    } catch (error) {
      this.failure = { error }
      this.logger.error({ err: error, dir: this.dir }, 'event log: a write or fsync failed; appends stop until the log is reopened')
      throw error
    }
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.timer)
    try {
      if (!this.failure) await this.guard(() => this.sync())
    } finally {
      await this.fh.close().catch(() => undefined) // after a failed roll it may be closed already
      this.onClose()
    }
  }
}
