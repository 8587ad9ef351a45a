/**
 * One domain event as bytes: the UTF-8 JSON text of `{v, type, data, meta}`,
 * with the payload Buffer as `{"$b64": "..."}`. JSON keeps the log readable
 * with `strings` and `jq` when things go wrong; base64 keeps payloads byte-exact.
 */
import type { DomainEvent } from '../events/domain.js'
import { LogDecodeError } from './errors.js'
import { isJsonObject, toDomainEvent } from './shape.js'
import { upcast } from './upcast.js'

/** The schema version this code writes; older versions are upcast on read (see upcast.ts). */
export const EVENT_SCHEMA_VERSION = 3

// fatal: a byte sequence that is not UTF-8 is damage, not text to patch with U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true })

function base64(bytes: Uint8Array): string {
  // A view, not a copy; also right for a plain Uint8Array, whose toString is not base64.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/**
 * The JSON text of an event. `data.payload` is the only Buffer in any event,
 * so it is converted by hand: no replacer walking every value, and never
 * Buffer#toJSON's `{type: 'Buffer', data: [...]}`.
 *
 * @example
 * eventJson(e) // '{"v":2,"type":"SubscriptionRemoved","data":{"filter":"a/#"},"meta":{...}}'
 */
export function eventJson(e: DomainEvent): string {
  const data = 'payload' in e.data ? { ...e.data, payload: { $b64: base64(e.data.payload) } } : e.data
  return JSON.stringify({ v: EVENT_SCHEMA_VERSION, type: e.type, data, meta: e.meta })
}

/**
 * Encode an event as the bytes the log stores.
 *
 * @example
 * decodeEvent(encodeEvent(e)) // deep-equals e, payload bytes included
 */
export function encodeEvent(e: DomainEvent): Buffer {
  return Buffer.from(eventJson(e), 'utf8')
}

/**
 * Decode stored bytes, lifting older schema versions to the current shape.
 * Throws LogDecodeError on bytes that are not UTF-8 JSON of a domain event,
 * or that a newer version of this code wrote.
 *
 * @example
 * decodeEvent(Buffer.from('{"v":1,"type":"SubscriptionAdded","data":{"filter":"a","qos":1,"options":{"nl":false,"rap":false,"rh":0}},"meta":{"clientId":"c","node":"n","seq":1,"at":0}}'))
 * // data.fetch === false, data.pubsubStart === null
 */
export function decodeEvent(buf: Uint8Array): DomainEvent {
  let raw: unknown
  try {
    raw = JSON.parse(utf8.decode(buf))
  } catch (e) {
    throw new LogDecodeError(`not UTF-8 JSON: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
  }
  if (!isJsonObject(raw)) throw new LogDecodeError('an event must be a JSON object')
  const v = raw['v']
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new LogDecodeError('v must be a schema version (an integer >= 1)')
  if (v > EVENT_SCHEMA_VERSION) {
    throw new LogDecodeError(`schema version ${v} is newer than this code reads (${EVENT_SCHEMA_VERSION}); upgrade before reading this log`)
  }
  return toDomainEvent(upcast({ v, type: raw['type'], data: raw['data'], meta: raw['meta'] }, EVENT_SCHEMA_VERSION))
}
