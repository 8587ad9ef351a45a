/**
 * Reading the log back: every record from a position on, in order, each
 * checked. The reader never changes a file; repairs are `openEventLog`'s.
 */
import { open, stat } from 'node:fs/promises'
import type { DomainEvent } from '../events/domain.js'
import { decodeEvent } from './codec.js'
import { CorruptLogError, LogDecodeError } from './errors.js'
import { judgeDamage, RecordScanner } from './scan.js'
import { listSegments, readSegmentHeader, type SegmentRef } from './segment.js'

export interface LogRecord {
  readonly position: number
  readonly event: DomainEvent
}

export interface ReadOptions {
  /** First position wanted; default 1. */
  readonly from?: number
  /**
   * Stop silently at a torn tail of the last segment (what a crash, or an
   * append still being written, leaves) instead of throwing. Damage followed
   * by whole records is corruption and throws either way.
   */
  readonly tolerateTornTail?: boolean
}

/**
 * Read records with position >= `from`, in order, across segments. Segments
 * wholly before `from` are skipped unopened (their successor starts <= `from`).
 * A damaged or undecodable record, or a gap in positions, throws
 * CorruptLogError naming the segment file and byte offset. The segments are
 * listed once, at the start: records appended meanwhile to the last segment
 * may be read, segments created meanwhile are not.
 *
 * @example
 * for await (const { position, event } of readEventLog('./data/log', { from: checkpoint + 1 })) apply(event)
 */
export async function* readEventLog(dir: string, opts: ReadOptions = {}): AsyncGenerator<LogRecord> {
  for await (const chunk of readEventLogChunks(dir, opts)) yield* chunk
}

/**
 * The records `readEventLog` gives, in arrays of up to `CHUNK_RECORDS`: for
 * bulk readers (replay), which then pay for one promise per array rather
 * than one per record.
 *
 * @example
 * for await (const records of readEventLogChunks('./data/log')) for (const r of records) apply(r.event)
 */
export async function* readEventLogChunks(dir: string, opts: ReadOptions = {}): AsyncGenerator<LogRecord[]> {
  const from = opts.from ?? 1
  if (!Number.isSafeInteger(from)) throw new RangeError(`from must be an integer, got ${from}`)
  const segments = await listSegments(dir)
  let i = 0
  while (i + 1 < segments.length && segments[i + 1]!.first <= from) i++
  let expected: number | null = null
  let chunk: LogRecord[] = []
  for (; i < segments.length; i++) {
    const seg = segments[i]!
    const fh = await open(seg.path, 'r')
    try {
      const size = (await fh.stat()).size
      await readSegmentHeader(fh, seg, size)
      if (expected !== null && seg.first !== expected) throw new CorruptLogError(seg.path, 0, `segment starts at position ${seg.first}, expected ${expected}`)
      const scanner = new RecordScanner(fh, size, seg.first)
      for (;;) {
        const quick = scanner.nextBuffered()
        const r = quick !== undefined ? quick : await scanner.next()
        if (r === null) break
        if (r.kind === 'record') {
          if (r.position >= from) chunk.push({ position: r.position, event: decode(seg, r.offset, r.body) })
          if (chunk.length >= CHUNK_RECORDS) {
            yield chunk
            chunk = []
          }
          continue
        }
        if (i === segments.length - 1 && opts.tolerateTornTail && (await judgeDamage(fh, size, r, scanner.nextPosition)).torn) break
        // Every whole record before the damage is handed out first.
        if (chunk.length > 0) {
          yield chunk
          chunk = []
        }
        throw new CorruptLogError(seg.path, r.offset, r.reason)
      }
      expected = scanner.nextPosition
    } finally {
      await fh.close()
    }
  }
  if (chunk.length > 0) yield chunk
}

/** Most records `readEventLogChunks` puts in one array. */
export const CHUNK_RECORDS = 2048

function decode(seg: SegmentRef, offset: number, body: Buffer): DomainEvent {
  try {
    return decodeEvent(body)
  } catch (e) {
    // The checksum held, so these are the bytes that were written: name where they are.
    if (e instanceof LogDecodeError) throw new CorruptLogError(seg.path, offset, `undecodable event: ${e.message}`, { cause: e })
    throw e
  }
}

export interface LogStats {
  readonly segments: number
  /** Size of all segment files, headers included. */
  readonly bytes: number
  /** Position of the first record, 0 when the log holds none. */
  readonly firstPosition: number
  /** Position of the last whole record (a torn tail is not counted), 0 when none. */
  readonly lastPosition: number
}

/**
 * Size and extent of the log, cheaply: file sizes, the first segment's name,
 * and a scan (checksums, no decoding) of the last segment only.
 *
 * @example
 * const { bytes, firstPosition, lastPosition } = await logStats('./data/log')
 */
export async function logStats(dir: string): Promise<LogStats> {
  const segments = await listSegments(dir)
  const head = segments[0]
  const tail = segments.at(-1)
  if (!head || !tail) return { segments: 0, bytes: 0, firstPosition: 0, lastPosition: 0 }
  let bytes = 0
  for (const seg of segments) bytes += (await stat(seg.path)).size
  const fh = await open(tail.path, 'r')
  let lastPosition: number
  try {
    const size = (await fh.stat()).size
    await readSegmentHeader(fh, tail, size)
    const scanner = new RecordScanner(fh, size, tail.first)
    for (let r = await scanner.next(); r?.kind === 'record'; r = await scanner.next());
    lastPosition = scanner.nextPosition - 1
  } finally {
    await fh.close()
  }
  return { segments: segments.length, bytes, firstPosition: lastPosition >= head.first ? head.first : 0, lastPosition }
}
