/**
 * Reading the records of one segment, in order, in chunks (a segment may be
 * larger than is sensible to hold in memory), each checked: its checksum, its
 * length against the file, and its position against the one expected next.
 *
 * The scanner stops at the first damaged record and says where; whether that
 * damage is a torn tail that may be cut away is for `judgeDamage` to say.
 */
import type { FileHandle } from 'node:fs/promises'
import { crc32, FRAME_HEADER_BYTES, readU64BE } from './frame.js'
import { MIN_RECORD_PAYLOAD, SEGMENT_HEADER_BYTES } from './segment.js'

export interface ScannedRecord {
  readonly kind: 'record'
  /** Byte offset of the frame in the segment file. */
  readonly offset: number
  readonly position: number
  /** The encoded event; a view into the scanner's buffer, valid until the next chunk is read. */
  readonly body: Buffer
}

export interface Damage {
  readonly kind: 'damage'
  /** Byte offset of the first damaged frame; every byte before it is whole records. */
  readonly offset: number
  readonly reason: string
}

/**
 * The records of one open segment file, from just past its header.
 *
 * @example
 * const s = new RecordScanner(fh, size, 1)
 * for (let r = await s.next(); r?.kind === 'record'; r = await s.next()) use(r)
 */
export class RecordScanner {
  private buf: Buffer = Buffer.alloc(0)
  private bufAt = 0
  private at = SEGMENT_HEADER_BYTES
  private expected: number

  constructor(
    private readonly fh: FileHandle,
    private readonly fileSize: number,
    firstPosition: number,
    private readonly chunkBytes = 1 << 20,
  ) {
    this.expected = firstPosition
  }

  /** Offset just past the last whole record read. */
  get offset(): number {
    return this.at
  }

  /** The position the next record must have. */
  get nextPosition(): number {
    return this.expected
  }

  /** The next record, the damage that stops the scan, or null at a clean end of file. */
  async next(): Promise<ScannedRecord | Damage | null> {
    const quick = this.nextBuffered()
    if (quick !== undefined) return quick
    const offset = this.at
    const left = this.fileSize - offset
    // nextBuffered judged every case that needs no reading; here the frame lies (partly) past the buffer.
    if (!(await this.load(offset, FRAME_HEADER_BYTES))) return damageAt(offset, 'file shrank while being read')
    const length = this.buf.readUInt32BE(offset - this.bufAt)
    if (length >= MIN_RECORD_PAYLOAD && length <= left - FRAME_HEADER_BYTES && !(await this.load(offset, FRAME_HEADER_BYTES + length))) {
      return damageAt(offset, 'file shrank while being read')
    }
    return this.nextBuffered() ?? damageAt(offset, 'file shrank while being read')
  }

  /**
   * What `next` gives, without reading: undefined when the next frame does
   * not lie wholly in the chunk read last. The reader's loop takes records
   * this way for as long as the chunk lasts, with no promise per record.
   */
  nextBuffered(): ScannedRecord | Damage | null | undefined {
    const offset = this.at
    const left = this.fileSize - offset
    if (left === 0) return null
    if (left < FRAME_HEADER_BYTES) return damageAt(offset, `record header cut short: ${left} of ${FRAME_HEADER_BYTES} bytes`)
    const head = offset - this.bufAt
    if (head < 0 || head + FRAME_HEADER_BYTES > this.buf.length) return undefined
    const length = this.buf.readUInt32BE(head)
    if (length < MIN_RECORD_PAYLOAD) return damageAt(offset, `record length ${length} is below the minimum ${MIN_RECORD_PAYLOAD}`)
    // Checked before reading, so a damaged length never makes us allocate gigabytes.
    if (length > left - FRAME_HEADER_BYTES) return damageAt(offset, `record cut short: ${left - FRAME_HEADER_BYTES} of ${length} payload bytes`)
    const start = head + FRAME_HEADER_BYTES
    if (start + length > this.buf.length) return undefined
    if (crc32(this.buf, start, start + length) !== this.buf.readUInt32BE(start - 4)) return damageAt(offset, 'checksum mismatch')
    const position = readU64BE(this.buf, start)
    if (position !== this.expected) return damageAt(offset, `record holds position ${position ?? 'out of range'}, expected ${this.expected}`)
    this.at = offset + FRAME_HEADER_BYTES + length
    this.expected++
    return { kind: 'record', offset, position, body: this.buf.subarray(start + 8, start + length) }
  }

  /** Make `[offset, offset + n)` of the file available in `buf`; false if the file ended first. */
  private async load(offset: number, n: number): Promise<boolean> {
    if (offset >= this.bufAt && offset + n <= this.bufAt + this.buf.length) return true
    // A fresh buffer each time: records handed out earlier stay valid views.
    const buf = await readRange(this.fh, offset, Math.min(Math.max(this.chunkBytes, n), this.fileSize - offset))
    this.buf = buf
    this.bufAt = offset
    return buf.length >= n
  }
}

function damageAt(offset: number, reason: string): Damage {
  return { kind: 'damage', offset, reason }
}

/**
 * Read `length` bytes at `offset`, fewer only if the file ends first.
 *
 * @example
 * const header = await readRange(fh, 0, 32)
 */
export async function readRange(fh: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length)
  let got = 0
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, offset + got)
    if (bytesRead === 0) break
    got += bytesRead
  }
  return buf.subarray(0, got)
}

/**
 * A run of zero bytes this long marks blocks whose writeback was lost in a
 * power loss (a filesystem shows them as zeros). No record holds one: event
 * JSON has no 0x00 byte, a binary record holds fewer than 256 in a row (the
 * codec escapes longer runs), and a frame's own fields hold at most 11.
 */
const LOST_WRITEBACK_ZEROS = 512

export type Verdict = { readonly torn: true } | { readonly torn: false; readonly validRecordAt: number }

/**
 * Decide whether damage at the end of the last segment is a torn tail (what
 * a crash during an append leaves: safe to cut away) or corruption of records
 * that were written whole (must not be cut away silently).
 *
 * It is corruption when a whole, checksummed record with a plausible position
 * follows the damage, unless a run of zeros lies between them: then the
 * damage is writeback lost in a power loss, and everything from it on belongs
 * to writes that had not been made durable.
 *
 * @example
 * const v = await judgeDamage(fh, size, damage, scanner.nextPosition)
 * if (v.torn) await fh.truncate(damage.offset)
 */
export async function judgeDamage(fh: FileHandle, fileSize: number, damage: Damage, expected: number): Promise<Verdict> {
  const rest = await readRange(fh, damage.offset, fileSize - damage.offset)
  const k = findRecord(rest, expected)
  if (k < 0 || zeroRun(rest, k) >= LOST_WRITEBACK_ZEROS) return { torn: true }
  return { torn: false, validRecordAt: damage.offset + k }
}

/** Index after 0 of the first whole record in `buf` with a position >= expected, or -1. */
function findRecord(buf: Buffer, expected: number): number {
  for (let k = 1; k + FRAME_HEADER_BYTES + MIN_RECORD_PAYLOAD <= buf.length; k++) {
    const length = buf.readUInt32BE(k)
    if (length < MIN_RECORD_PAYLOAD || k + FRAME_HEADER_BYTES + length > buf.length) continue
    const position = readU64BE(buf, k + FRAME_HEADER_BYTES)
    // Checked before the checksum: it rules out nearly every offset for the price of two reads.
    if (position === null || position < expected || position > expected + buf.length) continue
    if (crc32(buf, k + FRAME_HEADER_BYTES, k + FRAME_HEADER_BYTES + length) === buf.readUInt32BE(k + 4)) return k
  }
  return -1
}

/** The longest run of zero bytes in `buf[0, end)`. */
function zeroRun(buf: Buffer, end: number): number {
  let longest = 0
  let run = 0
  for (let i = 0; i < end; i++) {
    run = buf[i] === 0 ? run + 1 : 0
    if (run > longest) longest = run
  }
  return longest
}
