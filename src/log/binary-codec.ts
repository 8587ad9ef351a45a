/**
 * Schema version 4 of a stored event: a compact binary record, written and
 * read field by field, with no JSON text and no base64. Replay decodes every
 * event in the log, and JSON.parse was most of what that cost.
 *
 *     record := version u8 (4) | tag u8 (the type; plus 0x80 when escaped, see below) | meta | data
 *     meta   := clientId str | node str | seq sint | at f64
 *
 *     tag  type                    data, in this order
 *     1    ClientConnected         connectionId str | username str? | cleanStart bool | protocolVersion u8 (3, 4, 5)
 *     2    ClientDisconnected      connectionId str | reason str | heldQueue bool
 *     3    SubscriptionAdded       filter str | qos u8 (0-2) | options.nl bool | options.rap bool |
 *                                  options.rh u8 (0-2) | fetch bool | pubsubStart u8 (0 null, 1 latest, 2 oldest)
 *     4    SubscriptionRemoved     filter str
 *     5    RetainedMessageSet      msgId str | topic str | qos u8 (0-2) | payload bytes
 *     6    RetainedMessageCleared  topic str
 *     7    MessageStored           msgId str | topic str | qos u8 (1, 2) | payload bytes | retain bool |
 *                                  mode u8 | expiresAt f64
 *     8    MessageAcked            msgId str | topic str | mode u8
 *     9    SessionSubscriptionStored  filter str | qos u8 (0-2) | stored str
 *     10   RetainedPacketStored    topic str | packet str
 *     11   SessionPacketStored     box u8 | id str | order f64 | messageId sint (-1 for none) |
 *                                  brokerId str? | packet str
 *     12   SessionPacketDeleted    box u8 | id str | messageId sint (-1 for none)
 *     13   MessagePublished        \
 *     14   MessageDelivered         |
 *     15   ConnackSent              | the observed layout, shared: topic str? | qos u8 (0-2, 255 none) |
 *     16   AuthorizationChecked     | msgId str? | reason str? | payload (u8 0, or u8 1 then bytes) |
 *     17   MessageDropped           | extra count sint, then (name str | value str) per field, sorted by name
 *     18   DeliveryDropped         /
 *
 *     mode     u8: 0 queue, 1 pubsub, 2 latest
 *     box      u8: 0 outgoing, 1 incoming, 2 will
 *     bool     u8: 0 or 1
 *     uvarint  unsigned LEB128: at most 8 bytes, no redundant final 0x00 group, at most 2^53 - 1
 *     str      uvarint (byte length * 2 + form), then the bytes. Form 0 is UTF-8; form 1 is
 *              UTF-16LE, written only for a string that holds a lone surrogate (a JS string
 *              may, UTF-8 cannot carry one, and the JSON versions kept it as an escape)
 *     str?     u8 0 for null, or u8 1 then str
 *     sint     a safe integer. First byte: bit 0 the sign, bits 1-6 the low 6 bits of the
 *              magnitude, bit 7 set when the rest of the magnitude (divided by 64) follows as
 *              a uvarint. So seq 1..63 is one byte.
 *     f64      IEEE 754 double, little-endian: any finite number, exactly (JSON held no others)
 *     bytes    uvarint length, then the raw bytes
 *
 * Zero runs. Recovery takes 512 zero bytes in a row for blocks a power loss
 * never wrote back (scan.ts), which is only sound if no record holds such a
 * run; raw payloads can. So a record whose plain bytes after the tag hold 256
 * zeros in a row is stored escaped: bit 7 of the tag is set, and in the bytes
 * after the tag every 0x00 is followed by a count (1-255) and stands for that
 * many zeros. Only records of 256 bytes or more are checked, by probing every
 * 256th byte, so ordinary records pay nothing.
 *
 * Decoding checks each read against the end of the record, each boolean and
 * enum byte, that numbers are finite (`seq` a safe integer), and that nothing
 * follows the last field: what it returns is an event `toDomainEvent` would
 * accept. UTF-8 text is sliced without validation (a malformed sequence would
 * read as U+FFFD): the frame's CRC-32 already guards the bytes against damage
 * on disk, and the encoder writes only well-formed UTF-8. Payloads are copied
 * out, never returned as views of the input (the reader reuses its chunks).
 *
 * The encoder refuses, with a RangeError, an event it could not read back
 * (an unknown type or enum value, a non-finite time, a seq that is not a safe
 * integer), so such an event fails its append instead of poisoning the log.
 */
import { isObserved, OBSERVED_TYPES, type DomainEvent, type EventMeta, type ObservedData } from '../events/domain.js'
import { LogDecodeError } from './errors.js'

/** The schema version these records carry in their first byte. */
export const BINARY_V4 = 4

const ESCAPED = 0x80
/** Records hold no run of this many zero bytes (see the header). */
const ZERO_RUN = 256

const QOS = [0, 1, 2] as const
const RETAIN_HANDLING = [0, 1, 2] as const
const MODES = ['queue', 'pubsub', 'latest'] as const
const PUBSUB_STARTS = [null, 'latest', 'oldest'] as const
const BOXES = ['outgoing', 'incoming', 'will'] as const
/** The tag of the first observed event type (OBSERVED_TYPES, in order). */
const FIRST_OBSERVED_TAG = 13
/** The highest type tag. */
const LAST_TAG = FIRST_OBSERVED_TAG + OBSERVED_TYPES.length - 1
const NO_QOS = 255

// Buffer's own slicers, which toString(encoding, start, end) calls after
// checking its arguments; used when present, as they are in every Node release.
interface Slicers {
  utf8Slice(start: number, end: number): string
  ucs2Slice(start: number, end: number): string
}
const direct = typeof (Buffer.prototype as Partial<Slicers>).utf8Slice === 'function' &&
  typeof (Buffer.prototype as Partial<Slicers>).ucs2Slice === 'function'
const utf8Slice = direct
  ? (b: Buffer, start: number, end: number): string => (b as Buffer & Slicers).utf8Slice(start, end)
  : (b: Buffer, start: number, end: number): string => b.toString('utf8', start, end)
const ucs2Slice = direct
  ? (b: Buffer, start: number, end: number): string => (b as Buffer & Slicers).ucs2Slice(start, end)
  : (b: Buffer, start: number, end: number): string => b.toString('utf16le', start, end)

/** Longest text `utf8Text` builds in JS when it is ASCII. */
const SHORT_TEXT = 32
// One array of code units per length, reused; packed, as `apply` likes them.
const CODE_UNITS: number[][] = Array.from({ length: SHORT_TEXT + 1 }, (_, n) => Array.from({ length: n }, () => 0))

/**
 * The UTF-8 text `buf[start, end)`. Short ASCII text, most of what a log
 * holds (client ids, topics, message ids), is built in JS: for a few bytes
 * that costs less than the call into C++, and gives a flat string.
 */
function utf8Text(buf: Buffer, start: number, end: number): string {
  const n = end - start
  if (n > SHORT_TEXT) return utf8Slice(buf, start, end)
  const units = CODE_UNITS[n]!
  for (let i = 0; i < n; i++) {
    const c = buf[start + i]!
    if (c >= 0x80) return utf8Slice(buf, start, end)
    units[i] = c
  }
  return String.fromCharCode.apply(null, units)
}

// ---------------------------------------------------------------------------
// Encoding

/** Scratch size to start with, and the most a writer keeps between batches. */
const SCRATCH_BYTES = 64 * 1024
const KEEP_BYTES = 1024 * 1024

function refuse(e: DomainEvent, field: string, want: string, got: unknown): never {
  throw new RangeError(`cannot encode ${String(e.type)}: ${field} must be ${want}, got ${String(got)}`)
}

function modeByte(e: DomainEvent, mode: string): number {
  switch (mode) {
    case 'queue': return 0
    case 'pubsub': return 1
    case 'latest': return 2
    default: return refuse(e, 'data.mode', 'queue, pubsub or latest', mode)
  }
}

function boxByte(e: DomainEvent, box: string): number {
  const i = (BOXES as readonly string[]).indexOf(box)
  return i >= 0 ? i : refuse(e, 'data.box', 'outgoing, incoming or will', box)
}

function pubsubStartByte(e: DomainEvent, start: string | null): number {
  switch (start) {
    case null: return 0
    case 'latest': return 1
    case 'oldest': return 2
    default: return refuse(e, 'data.pubsubStart', 'latest, oldest or null', start)
  }
}

function upTo2(e: DomainEvent, field: string, v: number): number {
  return v === 0 || v === 1 || v === 2 ? v : refuse(e, field, 'one of 0, 1, 2', v)
}

/** Write `v` (a safe integer >= 0) as a uvarint at `pos`; returns the offset after it. */
function writeUvarint(buf: Buffer, pos: number, v: number): number {
  while (v >= 0x80) {
    // `& 0x7f` is exact for any safe integer: 2^32 is a multiple of 128.
    const low = v & 0x7f
    buf[pos++] = low | 0x80
    v = (v - low) / 128
  }
  buf[pos++] = v
  return pos
}

/** The longest run of zero bytes in buf[from, to) is at least ZERO_RUN long. */
function hasZeroRun(buf: Buffer, from: number, to: number): boolean {
  // Any ZERO_RUN bytes in a row hold exactly one probe.
  for (let i = from + ZERO_RUN - 1; i < to; i += ZERO_RUN) {
    if (buf[i] !== 0) continue
    let a = i
    let b = i + 1
    while (a > from && buf[a - 1] === 0) a--
    while (b < to && buf[b] === 0) b++
    if (b - a >= ZERO_RUN) return true
  }
  return false
}

/**
 * Writes v4 records back to back into one growing scratch buffer, so a batch
 * of events costs no allocation per event; `take` copies the result out.
 *
 * @example
 * const w = new EventWriter()
 * const at = w.skip(16) // room for a frame header, filled in by the caller
 * const n = w.event(e)  // record bytes: w.buf[at + 16, at + 16 + n)
 * const bytes = w.take()
 */
export class EventWriter {
  /** The bytes written so far are `buf[0, pos)`. Replaced as it grows: read it after writing. */
  buf: Buffer = Buffer.allocUnsafe(SCRATCH_BYTES)
  pos = 0

  /** Forget what was written (also what a throwing `event` left half done). */
  reset(): void {
    this.pos = 0
    if (this.buf.length > KEEP_BYTES) this.buf = Buffer.allocUnsafe(SCRATCH_BYTES)
  }

  /** A copy of `buf[0, pos)`, then `reset`. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos)
    this.buf.copy(out, 0, 0, this.pos)
    this.reset()
    return out
  }

  /** Reserve `n` bytes for the caller to fill in; returns their offset. */
  skip(n: number): number {
    this.room(n)
    const at = this.pos
    this.pos = at + n
    return at
  }

  /** Append the record of `e`; returns its length in bytes. Throws RangeError for an event it cannot encode. */
  event(e: DomainEvent): number {
    const start = this.pos
    this.room(2)
    this.buf[start] = BINARY_V4
    this.pos = start + 2
    this.meta(e.meta, e)
    let tag: number
    switch (e.type) {
      case 'ClientConnected': {
        const d = e.data
        tag = 1
        this.str(d.connectionId)
        if (d.username === null) this.u8(0)
        else {
          this.u8(1)
          this.str(d.username)
        }
        this.u8(d.cleanStart ? 1 : 0)
        const pv = d.protocolVersion
        this.u8(pv === 3 || pv === 4 || pv === 5 ? pv : refuse(e, 'data.protocolVersion', 'one of 3, 4, 5', pv))
        break
      }
      case 'ClientDisconnected':
        tag = 2
        this.str(e.data.connectionId)
        this.str(e.data.reason)
        this.u8(e.data.heldQueue ? 1 : 0)
        break
      case 'SubscriptionAdded': {
        const d = e.data
        tag = 3
        this.str(d.filter)
        this.u8(upTo2(e, 'data.qos', d.qos))
        this.u8(d.options.nl ? 1 : 0)
        this.u8(d.options.rap ? 1 : 0)
        this.u8(upTo2(e, 'data.options.rh', d.options.rh))
        this.u8(d.fetch ? 1 : 0)
        this.u8(pubsubStartByte(e, d.pubsubStart))
        break
      }
      case 'SubscriptionRemoved':
        tag = 4
        this.str(e.data.filter)
        break
      case 'RetainedMessageSet':
        tag = 5
        this.str(e.data.msgId)
        this.str(e.data.topic)
        this.u8(upTo2(e, 'data.qos', e.data.qos))
        this.bytes(e.data.payload)
        break
      case 'RetainedMessageCleared':
        tag = 6
        this.str(e.data.topic)
        break
      case 'MessageStored': {
        const d = e.data
        tag = 7
        this.str(d.msgId)
        this.str(d.topic)
        this.u8(d.qos === 1 || d.qos === 2 ? d.qos : refuse(e, 'data.qos', 'one of 1, 2', d.qos))
        this.bytes(d.payload)
        this.u8(d.retain ? 1 : 0)
        this.u8(modeByte(e, d.mode))
        this.f64(d.expiresAt, e, 'data.expiresAt')
        break
      }
      case 'MessageAcked':
        tag = 8
        this.str(e.data.msgId)
        this.str(e.data.topic)
        this.u8(modeByte(e, e.data.mode))
        break
      case 'SessionSubscriptionStored':
        tag = 9
        this.str(e.data.filter)
        this.u8(upTo2(e, 'data.qos', e.data.qos))
        this.str(e.data.stored)
        break
      case 'RetainedPacketStored':
        tag = 10
        this.str(e.data.topic)
        this.str(e.data.packet)
        break
      case 'SessionPacketStored': {
        const d = e.data
        tag = 11
        this.u8(boxByte(e, d.box))
        this.str(d.id)
        this.f64(d.order, e, 'data.order')
        this.sint(d.messageId ?? -1, e)
        if (d.brokerId === null) this.u8(0)
        else {
          this.u8(1)
          this.str(d.brokerId)
        }
        this.str(d.packet)
        break
      }
      case 'SessionPacketDeleted':
        tag = 12
        this.u8(boxByte(e, e.data.box))
        this.str(e.data.id)
        this.sint(e.data.messageId ?? -1, e)
        break
      default:
        if (isObserved(e)) {
          tag = FIRST_OBSERVED_TAG + OBSERVED_TYPES.indexOf(e.type)
          this.observed(e.data, e)
          break
        }
        return refuse(e, 'type', 'a domain event type', (e as { type: unknown }).type)
    }
    this.buf[start + 1] = tag
    if (this.pos - start >= ZERO_RUN && hasZeroRun(this.buf, start + 2, this.pos)) this.escape(start)
    return this.pos - start
  }

  private room(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n)
  }

  private grow(n: number): void {
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    const grown = Buffer.allocUnsafe(size)
    this.buf.copy(grown, 0, 0, this.pos)
    this.buf = grown
  }

  private optStr(v: string | null): void {
    if (v === null) this.u8(0)
    else {
      this.u8(1)
      this.str(v)
    }
  }

  private observed(d: ObservedData, e: DomainEvent): void {
    this.optStr(d.topic)
    this.u8(d.qos === null ? NO_QOS : upTo2(e, 'data.qos', d.qos))
    this.optStr(d.msgId)
    this.optStr(d.reason)
    if (d.payload === null) this.u8(0)
    else {
      this.u8(1)
      this.bytes(d.payload)
    }
    const names = Object.keys(d.extra).sort()
    this.sint(names.length, e)
    for (const name of names) {
      const value = d.extra[name]
      if (typeof value !== 'string') refuse(e, `data.extra.${name}`, 'a string', value)
      this.str(name)
      this.str(value)
    }
  }

  private meta(m: EventMeta, e: DomainEvent): void {
    this.str(m.clientId)
    this.str(m.node)
    this.sint(m.seq, e)
    this.f64(m.at, e, 'meta.at')
  }

  private u8(v: number): void {
    this.room(1)
    this.buf[this.pos++] = v
  }

  private sint(v: number, e: DomainEvent): void {
    this.room(9)
    if (v >= 0 && v < 64 && Number.isInteger(v)) {
      this.buf[this.pos++] = v << 1
      return
    }
    if (!Number.isSafeInteger(v)) refuse(e, 'meta.seq', 'a safe integer', v)
    const sign = v < 0 ? 1 : 0
    const m = sign ? -v : v
    const low = m & 0x3f
    const rest = (m - low) / 64
    if (rest === 0) this.buf[this.pos++] = (low << 1) | sign
    else {
      this.buf[this.pos] = 0x80 | (low << 1) | sign
      this.pos = writeUvarint(this.buf, this.pos + 1, rest)
    }
  }

  private f64(v: number, e: DomainEvent, field: string): void {
    if (!Number.isFinite(v)) refuse(e, field, 'a finite number', v)
    this.room(8)
    this.pos = this.buf.writeDoubleLE(v, this.pos)
  }

  private str(s: string): void {
    const n = s.length
    // Header (at most 8 bytes) and text: at most 3 UTF-8 bytes per UTF-16 unit.
    this.room(8 + 3 * n)
    const buf = this.buf
    const pos = this.pos
    if (n < 64) {
      // ASCII, the usual case: one header byte, one byte per unit, no call into C++.
      let i = 0
      for (; i < n; i++) {
        const c = s.charCodeAt(i)
        if (c >= 0x80) break
        buf[pos + 1 + i] = c
      }
      if (i === n) {
        buf[pos] = n << 1
        this.pos = pos + 1 + n
        return
      }
    }
    if (s.isWellFormed()) {
      const len = Buffer.byteLength(s, 'utf8')
      const at = writeUvarint(buf, pos, len * 2)
      this.pos = at + buf.write(s, at, len, 'utf8')
    } else {
      const len = 2 * n
      const at = writeUvarint(buf, pos, len * 2 + 1)
      this.pos = at + buf.write(s, at, len, 'utf16le')
    }
  }

  private bytes(p: Uint8Array): void {
    const n = p.length
    this.room(8 + n)
    const buf = this.buf
    const at = writeUvarint(buf, this.pos, n)
    if (n <= 32) for (let i = 0; i < n; i++) buf[at + i] = p[i]!
    else buf.set(p, at)
    this.pos = at + n
  }

  /** Rewrite the record at `start` in the zero-run escaped form. */
  private escape(start: number): void {
    const body = Buffer.from(this.buf.subarray(start + 2, this.pos))
    this.pos = start + 2
    // A lone zero becomes two bytes, so at worst the body doubles.
    this.room(2 * body.length)
    const buf = this.buf
    let out = this.pos
    for (let i = 0; i < body.length;) {
      const b = body[i]!
      if (b !== 0) {
        buf[out++] = b
        i++
        continue
      }
      let run = 1
      while (run < 255 && i + run < body.length && body[i + run] === 0) run++
      buf[out++] = 0
      buf[out++] = run
      i += run
    }
    buf[start + 1] = buf[start + 1]! | ESCAPED
    this.pos = out
  }
}

// ---------------------------------------------------------------------------
// Decoding

function cutShort(field: string): LogDecodeError {
  return new LogDecodeError(`record cut short in ${field}`)
}

function bad(field: string, want: string, got: number): LogDecodeError {
  return new LogDecodeError(`${field} must be ${want}, got ${got}`)
}

/** A read position in one record's bytes; every read is checked against `end`. */
class Cursor {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
  ) {}

  u8(field: string): number {
    const pos = this.pos
    if (pos >= this.end) throw cutShort(field)
    this.pos = pos + 1
    return this.buf[pos]!
  }

  bool(field: string): boolean {
    const b = this.u8(field)
    if (b === 0) return false
    if (b === 1) return true
    throw bad(field, 'a boolean byte (0 or 1)', b)
  }

  uvarint(field: string): number {
    const buf = this.buf
    const end = this.end
    let pos = this.pos
    if (pos >= end) throw cutShort(field)
    let b = buf[pos++]!
    if (b < 0x80) {
      this.pos = pos
      return b
    }
    let v = b & 0x7f
    let scale = 128
    for (let k = 1; ; k++) {
      if (pos >= end) throw cutShort(field)
      b = buf[pos++]!
      // Each term is exact; a sum past 2^53 can round, but never back below it.
      v += (b & 0x7f) * scale
      if (b < 0x80) {
        if (b === 0) throw new LogDecodeError(`${field} has a varint with a redundant final byte`)
        break
      }
      if (k === 7) throw new LogDecodeError(`${field} has a varint longer than 8 bytes`)
      scale *= 128
    }
    if (v > Number.MAX_SAFE_INTEGER) throw new LogDecodeError(`${field} has a varint above 2^53 - 1`)
    this.pos = pos
    return v
  }

  /** Start of a run of `n` bytes, which must lie within the record. */
  private span(field: string, n: number): number {
    const start = this.pos
    if (n > this.end - start) throw new LogDecodeError(`${field} is ${n} bytes long, but the record has ${this.end - start} left`)
    this.pos = start + n
    return start
  }

  str(field: string): string {
    const h = this.uvarint(field)
    // `h & 1` is the low bit of any safe integer.
    const form = h & 1
    const n = (h - form) / 2
    const start = this.span(field, n)
    if (form === 0) return utf8Text(this.buf, start, start + n)
    if (n & 1) throw bad(field, 'UTF-16 text of an even byte length', n)
    return ucs2Slice(this.buf, start, start + n)
  }

  strOrNull(field: string): string | null {
    const b = this.u8(field)
    if (b === 0) return null
    if (b === 1) return this.str(field)
    throw bad(field, 'a presence byte (0 null, 1 a string)', b)
  }

  bytes(field: string): Buffer {
    const n = this.uvarint(field)
    const start = this.span(field, n)
    // A copy: the input is a view of the reader's chunk.
    const out = Buffer.allocUnsafe(n)
    const buf = this.buf
    if (n <= 32) for (let i = 0; i < n; i++) out[i] = buf[start + i]!
    else buf.copy(out, 0, start, start + n)
    return out
  }

  f64(field: string): number {
    const start = this.span(field, 8)
    const v = this.buf.readDoubleLE(start)
    if (!Number.isFinite(v)) throw new LogDecodeError(`${field} must be a finite number, got ${v}`)
    return v
  }

  sint(field: string): number {
    const b = this.u8(field)
    const sign = b & 1
    let m = (b >> 1) & 0x3f
    if (b & 0x80) {
      const rest = this.uvarint(field)
      if (rest === 0) throw new LogDecodeError(`${field} has a varint with a redundant final byte`)
      if (rest > (Number.MAX_SAFE_INTEGER - 63) / 64) throw new LogDecodeError(`${field} must be a safe integer`)
      m += rest * 64
    }
    if (sign === 0) return m
    if (m === 0) throw new LogDecodeError(`${field} must not be negative zero`)
    return -m
  }

  qos(field: string): 0 | 1 | 2 {
    const b = this.u8(field)
    const q = QOS[b]
    if (q === undefined) throw bad(field, 'one of 0, 1, 2', b)
    return q
  }

  mode(field: string): 'queue' | 'pubsub' | 'latest' {
    const b = this.u8(field)
    const m = MODES[b]
    if (m === undefined) throw bad(field, 'a mode byte (0 queue, 1 pubsub, 2 latest)', b)
    return m
  }
}

/** The body of an escaped record, `buf[from, end)`, with its zero runs expanded, in a buffer of its own. */
function unescapeZeroRuns(buf: Buffer, from: number, end: number): Buffer {
  let n = 0
  for (let i = from; i < end; i++) {
    if (buf[i] !== 0) {
      n++
      continue
    }
    if (i + 1 >= end) throw new LogDecodeError('escaped zero run cut short')
    const run = buf[++i]!
    if (run === 0) throw new LogDecodeError('escaped zero run of length 0')
    n += run
  }
  const out = Buffer.allocUnsafe(n)
  let o = 0
  for (let i = from; i < end; i++) {
    const b = buf[i]!
    if (b !== 0) out[o++] = b
    else {
      const run = buf[++i]!
      out.fill(0, o, o + run)
      o += run
    }
  }
  return out
}

function readObserved(c: Cursor): ObservedData {
  const topic = c.strOrNull('data.topic')
  const qosByte = c.u8('data.qos')
  const qos = qosByte === NO_QOS ? null : QOS[qosByte]
  if (qos === undefined) throw bad('data.qos', 'one of 0, 1, 2 (255 for none)', qosByte)
  const msgId = c.strOrNull('data.msgId')
  const reason = c.strOrNull('data.reason')
  const payload = c.bool('data.payload') ? c.bytes('data.payload') : null
  const count = c.sint('data.extra')
  if (count < 0) throw bad('data.extra', 'a field count', count)
  const extra: Record<string, string> = {}
  for (let i = 0; i < count; i++) {
    const name = c.str('data.extra')
    // An own property whatever the name: `extra['__proto__'] = v` would set the prototype instead.
    Object.defineProperty(extra, name, { value: c.str(`data.extra.${name}`), enumerable: true, writable: true, configurable: true })
  }
  return { topic, qos, msgId, reason, payload, extra }
}

function readBox(c: Cursor): (typeof BOXES)[number] {
  const b = c.u8('data.box')
  const box = BOXES[b]
  if (box === undefined) throw bad('data.box', 'a box byte (0 outgoing, 1 incoming, 2 will)', b)
  return box
}

function readMessageId(c: Cursor): number | null {
  const v = c.sint('data.messageId')
  if (v === -1) return null
  if (v < 0 || v > 65535) throw bad('data.messageId', 'a packet id in 0..65535 (-1 for none)', v)
  return v
}

/**
 * Decode a v4 record (`buf[0]` is the version, already checked by the caller).
 * Throws LogDecodeError, naming the field, on any bytes the encoder would not write.
 *
 * @example
 * const w = new EventWriter(); w.event(e)
 * decodeV4(w.take()) // deep-equals e
 */
export function decodeV4(buf: Buffer): DomainEvent {
  if (buf.length < 2) throw cutShort('the event type')
  let tag = buf[1]!
  let c: Cursor
  if (tag & ESCAPED) {
    tag ^= ESCAPED
    const body = unescapeZeroRuns(buf, 2, buf.length)
    c = new Cursor(body, 0, body.length)
  } else {
    c = new Cursor(buf, 2, buf.length)
  }
  if (tag < 1 || tag > LAST_TAG) throw new LogDecodeError(`unknown event type tag ${tag}`)
  // Property values are evaluated in source order, which is the record's field order.
  const meta: EventMeta = { clientId: c.str('meta.clientId'), node: c.str('meta.node'), seq: c.sint('meta.seq'), at: c.f64('meta.at') }
  let e: DomainEvent
  switch (tag) {
    case 1: {
      const connectionId = c.str('data.connectionId')
      const username = c.strOrNull('data.username')
      const cleanStart = c.bool('data.cleanStart')
      const pv = c.u8('data.protocolVersion')
      if (pv !== 3 && pv !== 4 && pv !== 5) throw bad('data.protocolVersion', 'one of 3, 4, 5', pv)
      e = { type: 'ClientConnected', meta, data: { connectionId, username, cleanStart, protocolVersion: pv } }
      break
    }
    case 2:
      e = { type: 'ClientDisconnected', meta, data: { connectionId: c.str('data.connectionId'), reason: c.str('data.reason'), heldQueue: c.bool('data.heldQueue') } }
      break
    case 3: {
      const filter = c.str('data.filter')
      const qos = c.qos('data.qos')
      const nl = c.bool('data.options.nl')
      const rap = c.bool('data.options.rap')
      const rhByte = c.u8('data.options.rh')
      const rh = RETAIN_HANDLING[rhByte]
      if (rh === undefined) throw bad('data.options.rh', 'one of 0, 1, 2', rhByte)
      const fetch = c.bool('data.fetch')
      const startByte = c.u8('data.pubsubStart')
      const pubsubStart = PUBSUB_STARTS[startByte]
      if (pubsubStart === undefined) throw bad('data.pubsubStart', 'a start byte (0 null, 1 latest, 2 oldest)', startByte)
      e = { type: 'SubscriptionAdded', meta, data: { filter, qos, options: { nl, rap, rh }, fetch, pubsubStart } }
      break
    }
    case 4:
      e = { type: 'SubscriptionRemoved', meta, data: { filter: c.str('data.filter') } }
      break
    case 5:
      e = { type: 'RetainedMessageSet', meta, data: { msgId: c.str('data.msgId'), topic: c.str('data.topic'), qos: c.qos('data.qos'), payload: c.bytes('data.payload') } }
      break
    case 6:
      e = { type: 'RetainedMessageCleared', meta, data: { topic: c.str('data.topic') } }
      break
    case 7: {
      const msgId = c.str('data.msgId')
      const topic = c.str('data.topic')
      const qos = c.u8('data.qos')
      if (qos !== 1 && qos !== 2) throw bad('data.qos', 'one of 1, 2', qos)
      const payload = c.bytes('data.payload')
      e = { type: 'MessageStored', meta, data: { msgId, topic, qos, payload, retain: c.bool('data.retain'), mode: c.mode('data.mode'), expiresAt: c.f64('data.expiresAt') } }
      break
    }
    case 8:
      e = { type: 'MessageAcked', meta, data: { msgId: c.str('data.msgId'), topic: c.str('data.topic'), mode: c.mode('data.mode') } }
      break
    case 9:
      e = { type: 'SessionSubscriptionStored', meta, data: { filter: c.str('data.filter'), qos: c.qos('data.qos'), stored: c.str('data.stored') } }
      break
    case 10:
      e = { type: 'RetainedPacketStored', meta, data: { topic: c.str('data.topic'), packet: c.str('data.packet') } }
      break
    case 11: {
      const box = readBox(c)
      const id = c.str('data.id')
      const order = c.f64('data.order')
      const messageId = readMessageId(c)
      e = { type: 'SessionPacketStored', meta, data: { box, id, order, messageId, brokerId: c.strOrNull('data.brokerId'), packet: c.str('data.packet') } }
      break
    }
    case 12:
      e = { type: 'SessionPacketDeleted', meta, data: { box: readBox(c), id: c.str('data.id'), messageId: readMessageId(c) } }
      break
    default: {
      const type = OBSERVED_TYPES[tag - FIRST_OBSERVED_TAG]
      if (type === undefined) throw new LogDecodeError(`unknown event type tag ${tag}`)
      e = { type, meta, data: readObserved(c) }
    }
  }
  const extra = c.end - c.pos
  if (extra !== 0) throw new LogDecodeError(`${extra} trailing byte${extra === 1 ? '' : 's'} after the last field of ${e.type}`)
  return e
}
