/**
 * One domain event as the bytes the log stores.
 *
 * Since schema version 4 an event is a compact binary record (binary-codec.ts
 * has the layout): its first byte is the schema version, then a type tag,
 * the metadata and the data fields in a fixed order. Versions 1 to 3 were the
 * UTF-8 JSON text of `{v, type, data, meta}` with payloads as `{"$b64": ...}`;
 * logs hold them still, and they are read as before, then lifted by the
 * upcasters (upcast.ts).
 *
 * A JSON record always begins with `{` (0x7B), a binary one with its version
 * (1 byte, 4 today), so the first byte says which it is. A future binary
 * version must skip 0x7B.
 */
import type { DomainEvent } from '../events/domain.js'
import { BINARY_V4, decodeV4, EventWriter } from './binary-codec.js'
import { LogDecodeError } from './errors.js'
import { isJsonObject, toDomainEvent } from './shape.js'
import { upcast } from './upcast.js'

export { EventWriter } from './binary-codec.js'

/** The schema version this code writes; older versions are upcast on read (see upcast.ts). */
export const EVENT_SCHEMA_VERSION = BINARY_V4

/** First byte of every JSON record (versions 1 to 3): `{`. */
const JSON_RECORD = 0x7b

// fatal: a byte sequence that is not UTF-8 is damage, not text to patch with U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true })

const writer = new EventWriter()

/**
 * Encode an event as the bytes the log stores (to frame many, see
 * `encodeRecords` in segment.ts, which writes them into one buffer).
 * Throws RangeError for an event that does not fit the schema.
 *
 * @example
 * decodeEvent(encodeEvent(e)) // deep-equals e, payload bytes included
 * encodeEvent(e)[0]           // EVENT_SCHEMA_VERSION
 */
export function encodeEvent(e: DomainEvent): Buffer {
  writer.reset()
  writer.event(e)
  return writer.take()
}

/**
 * Decode stored bytes of any schema version, lifting older versions to the
 * current shape. Throws LogDecodeError on bytes that are not an encoded
 * domain event, or that a newer version of this code wrote.
 *
 * @example
 * decodeEvent(Buffer.from('{"v":1,"type":"SubscriptionAdded","data":{"filter":"a","qos":1,"options":{"nl":false,"rap":false,"rh":0}},"meta":{"clientId":"c","node":"n","seq":1,"at":0}}'))
 * // data.fetch === false, data.pubsubStart === null
 */
export function decodeEvent(buf: Uint8Array): DomainEvent {
  const first = buf[0]
  if (first === BINARY_V4) return decodeV4(buf instanceof Buffer ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength))
  if (first === JSON_RECORD) return decodeJson(buf)
  if (first === undefined) throw new LogDecodeError('empty record')
  if (first > EVENT_SCHEMA_VERSION) throw newer(first)
  throw new LogDecodeError(`first byte ${first} is neither "{" (a JSON record) nor a binary schema version`)
}

function newer(v: number): LogDecodeError {
  return new LogDecodeError(`schema version ${v} is newer than this code reads (${EVENT_SCHEMA_VERSION}); upgrade before reading this log`)
}

/** A JSON record (versions 1 to 3), checked by `toDomainEvent` once upcast. */
function decodeJson(buf: Uint8Array): DomainEvent {
  let raw: unknown
  try {
    raw = JSON.parse(utf8.decode(buf))
  } catch (e) {
    throw new LogDecodeError(`not UTF-8 JSON: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
  }
  if (!isJsonObject(raw)) throw new LogDecodeError('an event must be a JSON object')
  const v = raw['v']
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new LogDecodeError('v must be a schema version (an integer >= 1)')
  if (v > EVENT_SCHEMA_VERSION) throw newer(v)
  return toDomainEvent(upcast({ v, type: raw['type'], data: raw['data'], meta: raw['meta'] }, EVENT_SCHEMA_VERSION))
}
