/**
 * What the event log throws. Kept apart from the modules that throw them so
 * the codec, the reader and the writer share them without importing each other.
 */

/**
 * Bytes that are not an encoded domain event: a binary record cut short or
 * holding a byte no field allows, bad JSON, a wrong shape, or a schema
 * version newer than this code knows.
 *
 * @example
 * try { decodeEvent(Buffer.from('{')) } catch (e) { e instanceof LogDecodeError } // true
 */
export class LogDecodeError extends Error {
  override readonly name = 'LogDecodeError'
}

/**
 * A log file whose bytes cannot be trusted: a failed checksum, a cut-short
 * record, a gap in positions, or a bad segment header, anywhere the log may
 * not simply be cut back (see `openEventLog`). The message names the segment
 * file and the byte offset, so an operator can inspect or cut it by hand.
 *
 * @example
 * new CorruptLogError('/data/log/00000000000000000001.seg', 4096, 'checksum mismatch').message
 * // 'corrupt event log: /data/log/00000000000000000001.seg at byte offset 4096: checksum mismatch'
 */
export class CorruptLogError extends Error {
  override readonly name = 'CorruptLogError'
  constructor(
    /** Path of the segment file. */
    readonly segment: string,
    /** Byte offset in that file of the damaged record (0 for the header). */
    readonly offset: number,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`corrupt event log: ${segment} at byte offset ${offset}: ${reason}`, options)
  }
}

/**
 * An append after `close()`, or after a failed write or fsync: once the file
 * may hold a partial write the log stops taking appends (`cause` is the
 * original error); reopening it cuts the partial write away.
 *
 * @example
 * await log.close()
 * await log.append([e]) // rejects with EventLogClosedError
 */
export class EventLogClosedError extends Error {
  override readonly name = 'EventLogClosedError'
  constructor(message = 'the event log is closed', options?: ErrorOptions) {
    super(message, options)
  }
}
