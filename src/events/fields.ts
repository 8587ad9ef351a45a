/**
 * Field decoders of the engine's boundary (decode.ts, decode-session.ts):
 * each turns one field of an unknown value into a typed value or an InputError.
 */
import * as E from 'fp-ts/lib/Either.js'
import { topicFilterProblem, topicNameProblem } from '../topics/topic.js'
import { inputError, type InputError } from './errors.js'
import { DEFAULT_SUB_OPTIONS, type QoS, type SubscriptionOptions } from './input.js'

/** Where the boundary takes what a host does not say: the time, and a fresh message id. */
export interface Stamp {
  now(): number
  nextId(atMs: number): string
}

export interface DecodeLimits {
  /** Largest payload accepted, in bytes. */
  readonly maxPayloadBytes: number
  /** Largest client id accepted, in UTF-8 bytes (MQTT allows 65535). */
  readonly maxClientIdBytes: number
}

export const DEFAULT_LIMITS: DecodeLimits = { maxPayloadBytes: 1024 * 1024, maxClientIdBytes: 65535 }

export type Raw = Record<string, unknown>
export type Result<T> = E.Either<InputError, T>

// ignoreBOM: a leading U+FEFF is part of the string and must not be stripped [MQTT-1.5.3-3].
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** A string field, decoded from bytes when a host hands bytes; [MQTT-1.5.3-1] well-formed UTF-8. */
/** A short description of any value for an error message; never throws. */
export function describe(v: unknown): string {
  try {
    if (typeof v === 'bigint') return `${v}n`
    if (typeof v === 'object' && v !== null) return Object.prototype.toString.call(v)
    return JSON.stringify(v) ?? String(v)
  } catch {
    return typeof v
  }
}

export function str(raw: Raw, field: string): Result<string> {
  const v = raw[field]
  if (typeof v === 'string') {
    return v.isWellFormed() ? E.right(v) : E.left(inputError('invalid_utf8', field, `${field} is not well-formed UTF-8`))
  }
  if (v instanceof Uint8Array) {
    try {
      return E.right(utf8.decode(v))
    } catch {
      return E.left(inputError('invalid_utf8', field, `${field} is not valid UTF-8`))
    }
  }
  return E.left(inputError('bad_shape', field, `${field} must be a string`))
}

export function optStr(raw: Raw, field: string): Result<string | null> {
  return raw[field] === undefined || raw[field] === null ? E.right(null) : str(raw, field)
}

export function clientId(raw: Raw, limits: DecodeLimits): Result<string> {
  return E.chain((id: string) => {
    if (id.length === 0) return E.left(inputError('empty_client_id', 'clientId', 'clientId is empty'))
    if (Buffer.byteLength(id) > limits.maxClientIdBytes) {
      return E.left(inputError('bad_shape', 'clientId', `clientId is longer than ${limits.maxClientIdBytes} bytes`))
    }
    return E.right(id)
  })(str(raw, 'clientId'))
}

export function qos(raw: Raw): Result<QoS> {
  const v = raw['qos']
  return v === 0 || v === 1 || v === 2 ? E.right(v) : E.left(inputError('bad_qos', 'qos', `qos must be 0, 1 or 2, got ${describe(v)}`))
}

export function bool(raw: Raw, field: string, fallback: boolean): Result<boolean> {
  const v = raw[field]
  if (v === undefined) return E.right(fallback)
  return typeof v === 'boolean' ? E.right(v) : E.left(inputError('bad_shape', field, `${field} must be a boolean`))
}

export function topicName(raw: Raw): Result<string> {
  return E.chain((t: string) => {
    const p = topicNameProblem(t)
    return p ? E.left(inputError('bad_topic', 'topic', `topic ${JSON.stringify(t)} is not a valid topic name: ${p}`, p)) : E.right(t)
  })(str(raw, 'topic'))
}

export function topicFilter(raw: Raw): Result<string> {
  return E.chain((f: string) => {
    const p = topicFilterProblem(f)
    return p ? E.left(inputError('bad_topic_filter', 'filter', `filter ${JSON.stringify(f)} is not a valid topic filter: ${p}`, p)) : E.right(f)
  })(str(raw, 'filter'))
}

export function payload(raw: Raw, limits: DecodeLimits): Result<Buffer> {
  const v = raw['payload']
  const buf = Buffer.isBuffer(v) ? v : v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : typeof v === 'string' ? Buffer.from(v, 'utf8') : null
  if (buf === null) return E.left(inputError('bad_shape', 'payload', 'payload must be bytes or a string'))
  if (buf.length > limits.maxPayloadBytes) {
    return E.left(inputError('payload_too_large', 'payload', `payload of ${buf.length} bytes is over the limit of ${limits.maxPayloadBytes}`))
  }
  return E.right(buf)
}

export function packetId(raw: Raw): Result<number | null> {
  const v = raw['packetId']
  if (v === undefined || v === null) return E.right(null)
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535
    ? E.right(v)
    : E.left(inputError('bad_shape', 'packetId', 'packetId must be an integer in 1..65535'))
}

/** MQTT 5 Message Expiry Interval: a whole number of seconds, 0..2^32-1. */
export function expiry(raw: Raw): Result<number | null> {
  const v = raw['expiryIntervalSec']
  if (v === undefined || v === null) return E.right(null)
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff
    ? E.right(v)
    : E.left(inputError('bad_shape', 'expiryIntervalSec', 'expiryIntervalSec must be an integer number of seconds'))
}

export function options(raw: Raw): Result<SubscriptionOptions> {
  const o = raw['options']
  if (o === undefined || o === null) return E.right(DEFAULT_SUB_OPTIONS)
  if (typeof o !== 'object' || Array.isArray(o)) return E.left(inputError('bad_shape', 'options', 'options must be an object'))
  const r = o as Raw
  const rh = r['rh'] ?? 0
  if (rh !== 0 && rh !== 1 && rh !== 2) return E.left(inputError('bad_shape', 'options.rh', 'options.rh must be 0, 1 or 2'))
  const retainHandling: 0 | 1 | 2 = rh
  return E.chain((nl: boolean) => E.map((rap: boolean): SubscriptionOptions => ({ nl, rap, rh: retainHandling }))(bool(r, 'rap', false)))(bool(r, 'nl', false))
}

export function protocolVersion(raw: Raw): Result<3 | 4 | 5> {
  const v = raw['protocolVersion'] ?? 4
  return v === 3 || v === 4 || v === 5 ? E.right(v) : E.left(inputError('bad_shape', 'protocolVersion', 'protocolVersion must be 3, 4 or 5'))
}

/** Sequence several field results into one record, stopping at the first error. */
export function all<T extends Record<string, Result<unknown>>>(fields: T): Result<{ [K in keyof T]: T[K] extends Result<infer V> ? V : never }> {
  const out: Record<string, unknown> = {}
  for (const [k, r] of Object.entries(fields)) {
    if (E.isLeft(r)) return r
    out[k] = r.right
  }
  return E.right(out as { [K in keyof T]: T[K] extends Result<infer V> ? V : never })
}

