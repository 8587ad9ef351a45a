/**
 * The engine's boundary: an unknown value from a host becomes an InputEvent
 * or a typed InputError. Nothing past this point re-checks shapes.
 */
import * as E from 'fp-ts/lib/Either.js'
import { topicFilterProblem, topicNameProblem } from '../topics/topic.js'
import { inputError, type InputError } from './errors.js'
import { DEFAULT_SUB_OPTIONS, type InputEvent, type QoS, type SubscriptionOptions } from './input.js'

export interface DecodeLimits {
  /** Largest payload accepted, in bytes. */
  readonly maxPayloadBytes: number
  /** Largest client id accepted, in UTF-8 bytes (MQTT allows 65535). */
  readonly maxClientIdBytes: number
}

export const DEFAULT_LIMITS: DecodeLimits = { maxPayloadBytes: 1024 * 1024, maxClientIdBytes: 65535 }

/** Where the boundary takes what a host does not say: the time, and a fresh message id. */
export interface Stamp {
  now(): number
  nextId(atMs: number): string
}

type Raw = Record<string, unknown>
type Result<T> = E.Either<InputError, T>

// ignoreBOM: a leading U+FEFF is part of the string and must not be stripped [MQTT-1.5.3-3].
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** A string field, decoded from bytes when a host hands bytes; [MQTT-1.5.3-1] well-formed UTF-8. */
/** A short description of any value for an error message; never throws. */
function describe(v: unknown): string {
  try {
    if (typeof v === 'bigint') return `${v}n`
    if (typeof v === 'object' && v !== null) return Object.prototype.toString.call(v)
    return JSON.stringify(v) ?? String(v)
  } catch {
    return typeof v
  }
}

function str(raw: Raw, field: string): Result<string> {
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

function optStr(raw: Raw, field: string): Result<string | null> {
  return raw[field] === undefined || raw[field] === null ? E.right(null) : str(raw, field)
}

function clientId(raw: Raw, limits: DecodeLimits): Result<string> {
  return E.chain((id: string) => {
    if (id.length === 0) return E.left(inputError('empty_client_id', 'clientId', 'clientId is empty'))
    if (Buffer.byteLength(id) > limits.maxClientIdBytes) {
      return E.left(inputError('bad_shape', 'clientId', `clientId is longer than ${limits.maxClientIdBytes} bytes`))
    }
    return E.right(id)
  })(str(raw, 'clientId'))
}

function qos(raw: Raw): Result<QoS> {
  const v = raw['qos']
  return v === 0 || v === 1 || v === 2 ? E.right(v) : E.left(inputError('bad_qos', 'qos', `qos must be 0, 1 or 2, got ${describe(v)}`))
}

function bool(raw: Raw, field: string, fallback: boolean): Result<boolean> {
  const v = raw[field]
  if (v === undefined) return E.right(fallback)
  return typeof v === 'boolean' ? E.right(v) : E.left(inputError('bad_shape', field, `${field} must be a boolean`))
}

function topicName(raw: Raw): Result<string> {
  return E.chain((t: string) => {
    const p = topicNameProblem(t)
    return p ? E.left(inputError('bad_topic', 'topic', `topic ${JSON.stringify(t)} is not a valid topic name: ${p}`, p)) : E.right(t)
  })(str(raw, 'topic'))
}

function topicFilter(raw: Raw): Result<string> {
  return E.chain((f: string) => {
    const p = topicFilterProblem(f)
    return p ? E.left(inputError('bad_topic_filter', 'filter', `filter ${JSON.stringify(f)} is not a valid topic filter: ${p}`, p)) : E.right(f)
  })(str(raw, 'filter'))
}

function payload(raw: Raw, limits: DecodeLimits): Result<Buffer> {
  const v = raw['payload']
  const buf = Buffer.isBuffer(v) ? v : v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : typeof v === 'string' ? Buffer.from(v, 'utf8') : null
  if (buf === null) return E.left(inputError('bad_shape', 'payload', 'payload must be bytes or a string'))
  if (buf.length > limits.maxPayloadBytes) {
    return E.left(inputError('payload_too_large', 'payload', `payload of ${buf.length} bytes is over the limit of ${limits.maxPayloadBytes}`))
  }
  return E.right(buf)
}

function packetId(raw: Raw): Result<number | null> {
  const v = raw['packetId']
  if (v === undefined || v === null) return E.right(null)
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535
    ? E.right(v)
    : E.left(inputError('bad_shape', 'packetId', 'packetId must be an integer in 1..65535'))
}

/** MQTT 5 Message Expiry Interval: a whole number of seconds, 0..2^32-1. */
function expiry(raw: Raw): Result<number | null> {
  const v = raw['expiryIntervalSec']
  if (v === undefined || v === null) return E.right(null)
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff
    ? E.right(v)
    : E.left(inputError('bad_shape', 'expiryIntervalSec', 'expiryIntervalSec must be an integer number of seconds'))
}

function options(raw: Raw): Result<SubscriptionOptions> {
  const o = raw['options']
  if (o === undefined || o === null) return E.right(DEFAULT_SUB_OPTIONS)
  if (typeof o !== 'object' || Array.isArray(o)) return E.left(inputError('bad_shape', 'options', 'options must be an object'))
  const r = o as Raw
  const rh = r['rh'] ?? 0
  if (rh !== 0 && rh !== 1 && rh !== 2) return E.left(inputError('bad_shape', 'options.rh', 'options.rh must be 0, 1 or 2'))
  const retainHandling: 0 | 1 | 2 = rh
  return E.chain((nl: boolean) => E.map((rap: boolean): SubscriptionOptions => ({ nl, rap, rh: retainHandling }))(bool(r, 'rap', false)))(bool(r, 'nl', false))
}

function protocolVersion(raw: Raw): Result<3 | 4 | 5> {
  const v = raw['protocolVersion'] ?? 4
  return v === 3 || v === 4 || v === 5 ? E.right(v) : E.left(inputError('bad_shape', 'protocolVersion', 'protocolVersion must be 3, 4 or 5'))
}

/** Sequence several field results into one record, stopping at the first error. */
function all<T extends Record<string, Result<unknown>>>(fields: T): Result<{ [K in keyof T]: T[K] extends Result<infer V> ? V : never }> {
  const out: Record<string, unknown> = {}
  for (const [k, r] of Object.entries(fields)) {
    if (E.isLeft(r)) return r
    out[k] = r.right
  }
  return E.right(out as { [K in keyof T]: T[K] extends Result<infer V> ? V : never })
}

/**
 * Decode one host report.
 *
 * @example
 * decodeInput({ type: 'mqtt.subscribe', clientId: 'c1', filter: 'a/#', qos: 1 }, { now: () => 0, nextId: () => 'id' })
 * // right({ type: 'mqtt.subscribe', clientId: 'c1', filter: 'a/#', qos: 1, options: {...}, at: 0 })
 */
export function decodeInput(value: unknown, stamp: Stamp, limits: DecodeLimits = DEFAULT_LIMITS): Result<InputEvent> {
  if (typeof value !== 'object' || value === null) return E.left(inputError('bad_shape', '', 'an input event must be an object'))
  const raw = value as Raw
  const atRaw = raw['at']
  if (atRaw !== undefined && (typeof atRaw !== 'number' || !Number.isFinite(atRaw))) {
    return E.left(inputError('bad_shape', 'at', 'at must be a finite number of milliseconds'))
  }
  const at = typeof atRaw === 'number' ? atRaw : stamp.now()
  const base = { clientId: clientId(raw, limits) }
  switch (raw['type']) {
    case 'mqtt.connect':
      return E.map((f: { clientId: string; connectionId: string; username: string | null; cleanStart: boolean; protocolVersion: 3 | 4 | 5 }) =>
        ({ type: 'mqtt.connect' as const, at, ...f }))(
        all({ ...base, connectionId: str(raw, 'connectionId'), username: optStr(raw, 'username'), cleanStart: bool(raw, 'cleanStart', true), protocolVersion: protocolVersion(raw) }),
      )
    case 'mqtt.disconnect':
      return E.map((f: { clientId: string; connectionId: string; reason: string | null }) =>
        ({ type: 'mqtt.disconnect' as const, at, clientId: f.clientId, connectionId: f.connectionId, reason: f.reason ?? 'normal' }))(
        all({ ...base, connectionId: str(raw, 'connectionId'), reason: optStr(raw, 'reason') }),
      )
    case 'mqtt.subscribe':
      return E.map((f: { clientId: string; filter: string; qos: QoS; options: SubscriptionOptions; resubscribe: boolean }) => ({ type: 'mqtt.subscribe' as const, at, ...f }))(
        all({ ...base, filter: topicFilter(raw), qos: qos(raw), options: options(raw), resubscribe: bool(raw, 'resubscribe', false) }),
      )
    case 'mqtt.unsubscribe':
      return E.map((f: { clientId: string; filter: string }) => ({ type: 'mqtt.unsubscribe' as const, at, ...f }))(all({ ...base, filter: topicFilter(raw) }))
    case 'mqtt.publish':
      return E.map((f: { clientId: string; topic: string; payload: Buffer; qos: QoS; retain: boolean; expiryIntervalSec: number | null }) =>
        ({ type: 'mqtt.publish' as const, at, msgId: stamp.nextId(at), ...f }))(
        all({ ...base, topic: topicName(raw), payload: payload(raw, limits), qos: qos(raw), retain: bool(raw, 'retain', false), expiryIntervalSec: expiry(raw) }),
      )
    case 'mqtt.deliver':
      return E.map((f: { clientId: string; topic: string; qos: QoS; packetId: number | null }) => ({ type: 'mqtt.deliver' as const, at, ...f }))(
        all({ ...base, topic: topicName(raw), qos: qos(raw), packetId: packetId(raw) }),
      )
    case 'mqtt.ack':
      return E.map((f: { clientId: string; topic: string; packetId: number | null; msgId: string | null }) =>
        ({ type: 'mqtt.ack' as const, at, ...f, msgId: f.msgId === '' ? null : f.msgId }))(
        all({ ...base, topic: topicName(raw), packetId: packetId(raw), msgId: optStr(raw, 'msgId') }),
      )
    case 'mqtt.drop':
      return E.map((f: { clientId: string; topic: string; reason: string | null }) => ({ type: 'mqtt.drop' as const, at, clientId: f.clientId, topic: f.topic, reason: f.reason ?? 'unknown' }))(
        all({ ...base, topic: topicName(raw), reason: optStr(raw, 'reason') }),
      )
    default:
      return E.left(inputError('unknown_type', 'type', `unknown input event type ${describe(raw['type'])}`))
  }
}
