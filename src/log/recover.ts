/**
 * What `openEventLog` does before it takes appends: find the end of the log,
 * and cut away a torn record a crash left at the tail of the last segment.
 *
 * Only the last segment can be torn: the writer fsyncs a segment before it
 * starts the next one. So damage there is judged (scan.ts `judgeDamage`),
 * and damage anywhere else is corruption, thrown as CorruptLogError.
 */
import { mkdir, open, readdir, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Logger } from 'pino'
import { CorruptLogError } from './errors.js'
import { judgeDamage, RecordScanner } from './scan.js'
import { createSegment, listSegments, readSegmentHeader, syncDir, type SegmentRef } from './segment.js'

/** How much `openEventLog` checks: every segment header and the last segment's records, or every record. */
export type Verify = 'tail' | 'all'

export interface Recovered {
  /** The last segment: appends go there. */
  readonly tail: SegmentRef
  /** Its size in bytes, whole records only. */
  readonly tailBytes: number
  /** Position of the last record, 0 when the log is empty. */
  readonly lastPosition: number
}

/**
 * Make `dir` a log that ends in whole records, and say where it ends.
 *
 * @example
 * const { tail, tailBytes, lastPosition } = await recoverLog('/data/log', logger, 'tail')
 */
export async function recoverLog(dir: string, logger: Logger, verify: Verify): Promise<Recovered> {
  const created = await mkdir(dir, { recursive: true })
  // A new directory's own entry must be durable too, or a power loss can take the whole log with it.
  if (created !== undefined) for (let d = dir; d !== dirname(created); d = dirname(d)) await syncDir(dirname(d))
  // Left by a crash while a new segment was being created; it never held a record.
  for (const name of await readdir(dir)) if (name.endsWith('.seg.tmp')) await rm(join(dir, name), { force: true })
  const segments = await listSegments(dir)
  const tail = segments.pop() ?? { path: await createSegment(dir, 1), first: 1 }
  let expected: number | null = null
  for (const seg of segments) expected = await checkSealed(seg, verify, expected)
  return recoverTail(tail, logger, expected)
}

/** Check a segment before the last one: its header, and with `verify: 'all'` every record. */
async function checkSealed(seg: SegmentRef, verify: Verify, expected: number | null): Promise<number | null> {
  const fh = await open(seg.path, 'r')
  try {
    const size = (await fh.stat()).size
    await readSegmentHeader(fh, seg, size)
    if (verify === 'tail') return null
    if (expected !== null && seg.first !== expected) throw new CorruptLogError(seg.path, 0, `segment starts at position ${seg.first}, expected ${expected}`)
    const scanner = new RecordScanner(fh, size, seg.first)
    for (let r = await scanner.next(); r !== null; r = await scanner.next()) {
      if (r.kind === 'damage') throw new CorruptLogError(seg.path, r.offset, r.reason)
    }
    return scanner.nextPosition
  } finally {
    await fh.close()
  }
}

async function recoverTail(tail: SegmentRef, logger: Logger, expected: number | null): Promise<Recovered> {
  const fh = await open(tail.path, 'r+')
  try {
    const size = (await fh.stat()).size
    await readSegmentHeader(fh, tail, size)
    if (expected !== null && tail.first !== expected) throw new CorruptLogError(tail.path, 0, `segment starts at position ${tail.first}, expected ${expected}`)
    const scanner = new RecordScanner(fh, size, tail.first)
    for (let r = await scanner.next(); r !== null; r = await scanner.next()) {
      if (r.kind === 'record') continue
      const verdict = await judgeDamage(fh, size, r, scanner.nextPosition)
      if (!verdict.torn) {
        throw new CorruptLogError(tail.path, r.offset, `${r.reason}; a whole record follows at byte offset ${verdict.validRecordAt}, so this is not a torn tail`)
      }
      await fh.truncate(r.offset)
      await fh.datasync()
      logger.warn(
        { segment: tail.path, offset: r.offset, bytesDropped: size - r.offset, reason: r.reason },
        'event log: cut a torn record off the tail of the last segment',
      )
      break
    }
    return { tail, tailBytes: scanner.offset, lastPosition: scanner.nextPosition - 1 }
  } finally {
    await fh.close()
  }
}
