/**
 * A fast path of the engine's boundary, for the inputs a host sends most
 * (connect, disconnect, subscribe, unsubscribe, publish, ack and the session.*
 * reports), when they are plainly valid.
 *
 * Why: the checked decoders (fields.ts) wrap every field in an Either and
 * sequence them through intermediate records, which costs microseconds and
 * kilobytes of garbage per input. Here each field is checked in place and
 * the InputEvent is built once.
 *
 * The checked path (decodeInputChecked in decode.ts) stays authoritative: this
 * one accepts a subset of what it accepts and builds a deep-equal event, with
 * the same property order. Whenever anything is not the plain case (bytes
 * for a string field, a missing field, any invalid value) it answers
 * `undefined`, having called nothing on the stamp, and the caller falls back
 * to the checked path, which builds the precise InputError.
 */
import { topicFilterProblem, topicNameProblem } from '../topics/topic.js'
import type { DecodeLimits, Raw, Stamp } from './fields.js'
import { DEFAULT_SUB_OPTIONS, type InputEvent, type QoS, type SessionBox, type SubscriptionOptions } from './input.js'

// Each check answers its value, or undefined for "not the plain case".

/** A string field given as a well-formed string (bytes go to the checked path). */
function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.isWellFormed() ? v : undefined
}

/** An optional string: null when absent (as fields.ts optStr). */
function optText(v: unknown): string | null | undefined {
  return v === undefined || v === null ? null : text(v)
}

function clientId(v: unknown, limits: DecodeLimits): string | undefined {
  if (typeof v !== 'string' || v.length === 0 || !v.isWellFormed()) return undefined
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so short ids need no byte count.
  if (v.length * 3 > limits.maxClientIdBytes && Buffer.byteLength(v) > limits.maxClientIdBytes) return undefined
  return v
}

function flag(v: unknown, fallback: boolean): boolean | undefined {
  if (v === undefined) return fallback
  return typeof v === 'boolean' ? v : undefined
}

function qos(v: unknown): QoS | undefined {
  return v === 0 || v === 1 || v === 2 ? v : undefined
}

function topicName(v: unknown): string | undefined {
  return typeof v === 'string' && topicNameProblem(v) === null ? v : undefined
}

function topicFilter(v: unknown): string | undefined {
  return typeof v === 'string' && topicFilterProblem(v) === null ? v : undefined
}

/** As fields.ts payload: a Buffer as is, a Uint8Array as a Buffer view of it, a string as UTF-8. */
function payload(v: unknown, limits: DecodeLimits): Buffer | undefined {
  const buf = Buffer.isBuffer(v) ? v : v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : typeof v === 'string' ? Buffer.from(v, 'utf8') : undefined
  return buf !== undefined && buf.length <= limits.maxPayloadBytes ? buf : undefined
}

function options(o: unknown): SubscriptionOptions | undefined {
  if (o === undefined || o === null) return DEFAULT_SUB_OPTIONS
  if (typeof o !== 'object' || Array.isArray(o)) return undefined
  const r = o as Raw
  const rh = r['rh'] ?? 0
  if (rh !== 0 && rh !== 1 && rh !== 2) return undefined
  const nl = need(flag(r['nl'], false))
  const rap = need(flag(r['rap'], false))
  return { nl, rap, rh }
}

/** An optional integer in min..max: null when absent (packetId, expiryIntervalSec, messageId). */
function optInt(v: unknown, min: number, max: number): number | null | undefined {
  if (v === undefined || v === null) return null
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : undefined
}

function box(v: unknown): SessionBox | undefined {
  return v === 'outgoing' || v === 'incoming' || v === 'will' ? v : undefined
}

function order(v: unknown): number | undefined {
  const o = v ?? 0
  return typeof o === 'number' && Number.isSafeInteger(o) && o >= 0 ? o : undefined
}

function protocolVersion(v: unknown): 3 | 4 | 5 | undefined {
  const p = v ?? 4
  return p === 3 || p === 4 || p === 5 ? p : undefined
}

/**
 * Decode a plainly valid input of the hot types, or answer undefined (the
 * caller then asks the checked path). `at` is already checked and stamped;
 * `stamp.nextId` is called, once, only for an event it returns.
 *
 * @example
 * decodeFast({ type: 'mqtt.unsubscribe', clientId: 'c1', filter: 'a/#' }, 0, stamp, DEFAULT_LIMITS)
 * // { type: 'mqtt.unsubscribe', at: 0, clientId: 'c1', filter: 'a/#' }
 * decodeFast({ type: 'mqtt.unsubscribe', clientId: Buffer.from('c1'), filter: 'a/#' }, 0, stamp, DEFAULT_LIMITS)
 * // undefined
 */
export function decodeFast(raw: Raw, at: number, stamp: Stamp, limits: DecodeLimits): InputEvent | undefined {
  try {
    return build(raw, at, stamp, limits)
  } catch (e) {
    if (e === NOT_PLAIN) return undefined
    throw e
  }
}

/** Thrown by `need` when a field is not the plain case; decodeFast turns it into undefined. */
const NOT_PLAIN: unique symbol = Symbol('not the plain case')

function need<T>(v: T | undefined): T {
  if (v === undefined) throw NOT_PLAIN
  return v
}

function build(raw: Raw, at: number, stamp: Stamp, limits: DecodeLimits): InputEvent | undefined {
  switch (raw['type']) {
    case 'mqtt.connect':
      return connect(raw, at, limits)
    case 'mqtt.disconnect':
      return disconnect(raw, at, limits)
    case 'mqtt.subscribe':
      return subscribe(raw, at, limits)
    case 'mqtt.unsubscribe':
      return unsubscribe(raw, at, limits)
    case 'mqtt.publish':
      return publish(raw, at, stamp, limits)
    case 'mqtt.ack':
      return ack(raw, at, limits)
    case 'session.subscribe':
      return sessionSubscribe(raw, at, limits)
    case 'session.retain':
      return sessionRetain(raw, at, stamp, limits)
    case 'session.packet.put':
      return packetPut(raw, at, limits)
    case 'session.packet.delete':
      return packetDelete(raw, at, limits)
    default:
      return undefined
  }
}

// One builder per type. Fields are read in the order the checked path reads
// them, and the event's properties are in the order it builds them. A field
// that is not the plain case throws out of the builder (`need`), before
// anything is built or a message id is taken.

function connect(raw: Raw, at: number, limits: DecodeLimits): InputEvent {
  const id = need(clientId(raw['clientId'], limits))
  const connectionId = need(text(raw['connectionId']))
  const username = need(optText(raw['username']))
  const cleanStart = need(flag(raw['cleanStart'], true))
  const version = need(protocolVersion(raw['protocolVersion']))
  return { type: 'mqtt.connect', at, clientId: id, connectionId, username, cleanStart, protocolVersion: version }
}

function disconnect(raw: Raw, at: number, limits: DecodeLimits): InputEvent {
  const id = need(clientId(raw['clientId'], limits))
  const connectionId = need(text(raw['connectionId']))
  const reason = need(optText(raw['reason']))
  return { type: 'mqtt.disconnect', at, clientId: id, connectionId, reason: reason ?? 'normal' }
}

function subscribe(raw: Raw, at: number, limits: DecodeLimits): InputEvent {
  const id = need(clientId(raw['clientId'], limits))
  const filter = need(topicFilter(raw['filter']))
  const q = need(qos(raw['qos']))
  const opts = need(options(raw['options']))
  const resubscribe = need(flag(raw['resubscribe'], false))
  return { type: 'mqtt.subscribe', at, clientId: id, filter, qos: q, options: opts, resubscribe }
}

function unsubscribe(raw: Raw, at: number, limits: DecodeLimits): InputEvent {
  const id = need(clientId(raw['clientId'], limits))
  const filter = need(topicFilter(raw['filter']))
  return { type: 'mqtt.unsubscribe', at, clientId: id, filter }
}

function publish(raw: Raw, at: number, stamp: Stamp, limits: DecodeLimits): InputEvent {
  const id = need(clientId(raw['clientId'], limits))
  const topic = need(topicName(raw['topic']))
  const body = need(payload(raw['payload'], limits))
  const q = need(qos(raw['qos']))
  const retain = need(flag(raw['retain'], false))
  const expiryIntervalSec = need(optInt(raw['expiryIntervalSec'], 0, 0xffffffff))
  // Everything is valid: only now take a message id, as the checked path does.
  return { type: 'mqtt.publish', at, msgId: stamp.nextId(at), clientId: id, topic, payload: body, qos: q, retain, expiryIntervalSec }
}

function ack(raw: Raw, at: number, limits: DecodeLimits): InputEvent {
  const id = need(clientId(raw['clientId'], limits))
  const topic = need(topicName(raw['topic']))
  const packetId = need(optInt(raw['packetId'], 1, 65535))
  const msgId = need(optText(raw['msgId']))
  return { type: 'mqtt.ack', at, clientId: id, topic, packetId, msgId: msgId === '' ? null : msgId }
}

function sessionSubscribe(raw: Raw, at: number, limits: DecodeLimits): InputEvent {
  const id = need(clientId(raw['clientId'], limits))
  const filter = need(topicFilter(raw['filter']))
  const q = need(qos(raw['qos']))
  const opts = need(options(raw['options']))
  const stored = need(text(raw['stored']))
  return { type: 'session.subscribe', at, clientId: id, filter, qos: q, options: opts, stored }
}

function sessionRetain(raw: Raw, at: number, stamp: Stamp, limits: DecodeLimits): InputEvent {
  const id = need(clientId(raw['clientId'], limits))
  const topic = need(topicName(raw['topic']))
  const body = need(payload(raw['payload'], limits))
  const q = need(qos(raw['qos']))
  const packet = need(text(raw['packet']))
  return { type: 'session.retain', at, msgId: stamp.nextId(at), clientId: id, topic, payload: body, qos: q, packet }
}

function packetPut(raw: Raw, at: number, limits: DecodeLimits): InputEvent {
  const id = need(clientId(raw['clientId'], limits))
  const b = need(box(raw['box']))
  const packetKey = need(text(raw['id']))
  const o = need(order(raw['order']))
  const messageId = need(optInt(raw['messageId'], 0, 65535))
  const brokerId = need(optText(raw['brokerId']))
  const packet = need(text(raw['packet']))
  return { type: 'session.packet.put', at, clientId: id, box: b, id: packetKey, order: o, messageId, brokerId, packet }
}

function packetDelete(raw: Raw, at: number, limits: DecodeLimits): InputEvent {
  const id = need(clientId(raw['clientId'], limits))
  const b = need(box(raw['box']))
  const packetKey = need(text(raw['id']))
  const messageId = need(optInt(raw['messageId'], 0, 65535))
  return { type: 'session.packet.delete', at, clientId: id, box: b, id: packetKey, messageId }
}
