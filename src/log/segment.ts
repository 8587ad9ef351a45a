/**
 * Segment files. The log is a directory of segments, each named after the
 * position (LSN) of its first record, zero-padded to 20 digits so that
 * lexical order is log order: `00000000000000000001.seg`, ...
 *
 * A segment starts with a 32-byte header, then frames (frame.ts) back to back:
 *
 *     0  magic "MQRLOG\0\0"           8 bytes
 *     8  format version (1)           u16 BE
 *    10  reserved                     u16
 *    12  reserved                     u32
 *    16  position of its first record u64 BE
 *    24  reserved, zero               8 bytes
 *
 * Each frame's payload is the record: its position (u64 BE), then the encoded
 * event (codec.ts). The position inside the checksummed payload means a record
 * copied to the wrong place, or a stale one, is caught, not just a flipped bit.
 */
import { open, readdir, rename, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { DomainEvent } from '../events/domain.js'
import { EventWriter } from './codec.js'
import { CorruptLogError } from './errors.js'
import { FRAME_HEADER_BYTES, readU64BE, sealFrame, writeU64BE } from './frame.js'

export const SEGMENT_HEADER_BYTES = 32
export const SEGMENT_FORMAT_VERSION = 1
const MAGIC = Buffer.from('MQRLOG\0\0', 'latin1')
/** Position plus two bytes (the shortest JSON event `{}`; a binary one is longer): anything shorter is damage. */
export const MIN_RECORD_PAYLOAD = 8 + 2
const NAME = /^(\d{20})\.seg$/

/** A segment as its file name tells: where it is and the position of its first record. */
export interface SegmentRef {
  readonly path: string
  readonly first: number
}

/**
 * The path of the segment whose first record has position `first`.
 *
 * @example
 * segmentPath('/data/log', 1) // '/data/log/00000000000000000001.seg'
 */
export function segmentPath(dir: string, first: number): string {
  return join(dir, `${String(first).padStart(20, '0')}.seg`)
}

/**
 * The segments in `dir`, in log order, from their names only (no file is opened).
 *
 * @example
 * await listSegments('/data/log') // [{ path: '/data/log/00000000000000000001.seg', first: 1 }, ...]
 */
export async function listSegments(dir: string): Promise<SegmentRef[]> {
  const refs: SegmentRef[] = []
  for (const name of (await readdir(dir)).sort()) {
    const digits = NAME.exec(name)?.[1]
    if (digits === undefined) continue
    const first = Number(digits)
    // A name no writer would give is someone else's file, or damage: say so rather than skip it.
    if (!Number.isSafeInteger(first) || first < 1) throw new CorruptLogError(join(dir, name), 0, 'segment file name is not a valid first position')
    refs.push({ path: join(dir, name), first })
  }
  return refs
}

/**
 * The 32-byte header of a segment whose first record will have position `first`.
 *
 * @example
 * encodeSegmentHeader(1).subarray(0, 6).toString() // 'MQRLOG'
 */
export function encodeSegmentHeader(first: number): Buffer {
  const buf = Buffer.alloc(SEGMENT_HEADER_BYTES)
  MAGIC.copy(buf, 0)
  buf.writeUInt16BE(SEGMENT_FORMAT_VERSION, 8)
  writeU64BE(buf, 16, first)
  return buf
}

/**
 * Read and check a segment's header against what its name says.
 *
 * @example
 * await readSegmentHeader(fh, ref, fileSize) // resolves, or throws CorruptLogError
 */
export async function readSegmentHeader(fh: FileHandle, ref: SegmentRef, fileSize: number): Promise<void> {
  const fail = (reason: string): never => {
    throw new CorruptLogError(ref.path, 0, reason)
  }
  if (fileSize < SEGMENT_HEADER_BYTES) fail(`segment header cut short: ${fileSize} of ${SEGMENT_HEADER_BYTES} bytes`)
  const buf = Buffer.alloc(SEGMENT_HEADER_BYTES)
  const { bytesRead } = await fh.read(buf, 0, SEGMENT_HEADER_BYTES, 0)
  if (bytesRead < SEGMENT_HEADER_BYTES) fail(`segment header cut short: ${bytesRead} of ${SEGMENT_HEADER_BYTES} bytes`)
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) fail('not an event log segment (bad magic)')
  const version = buf.readUInt16BE(8)
  if (version !== SEGMENT_FORMAT_VERSION) fail(`unsupported segment format version ${version}`)
  const first = readU64BE(buf, 16)
  if (first !== ref.first) fail(`header says first position ${first ?? 'out of range'}, file name says ${ref.first}`)
}

/**
 * fsync a directory, so a file created or renamed in it survives a power loss.
 *
 * @example
 * await syncDir('/data/log')
 */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } catch (e) {
    // Some platforms (Windows) and filesystems cannot fsync a directory; there is nothing more to do there.
    const code = e instanceof Error && 'code' in e ? e.code : undefined
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw e
  } finally {
    await fh.close()
  }
}

/**
 * Create an empty segment. Written under a temporary name, fsynced, then
 * renamed: a segment file is never seen with half a header.
 *
 * @example
 * await createSegment('/data/log', 1001) // '/data/log/00000000000000001001.seg'
 */
export async function createSegment(dir: string, first: number): Promise<string> {
  const path = segmentPath(dir, first)
  const tmp = `${path}.tmp`
  const fh = await open(tmp, 'w')
  try {
    await fh.writeFile(encodeSegmentHeader(first))
    await fh.sync()
  } finally {
    await fh.close()
  }
  await rename(tmp, path)
  await syncDir(dir)
  return path
}

/** Scratch for `encodeRecords`, reused: encoding is synchronous, so no two calls share it. */
const recordWriter = new EventWriter()

/**
 * The frames of `events` with positions `first, first + 1, ...`, in one
 * buffer: one write call per append, however many events it holds.
 *
 * @example
 * await fh.write(encodeRecords(events, 42))
 */
export function encodeRecords(events: readonly DomainEvent[], first: number): Buffer {
  // Each event is encoded straight after room for its frame header and position,
  // into one scratch buffer, then the whole batch is copied out once.
  const w = recordWriter
  w.reset()
  for (let i = 0; i < events.length; i++) {
    const offset = w.skip(FRAME_HEADER_BYTES + 8)
    const n = w.event(events[i]!)
    writeU64BE(w.buf, offset + FRAME_HEADER_BYTES, first + i)
    sealFrame(w.buf, offset, 8 + n)
  }
  return w.take()
}
