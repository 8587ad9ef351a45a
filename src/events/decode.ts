/**
 * The engine's boundary: an unknown value from a host becomes an InputEvent
 * or a typed InputError. Nothing past this point re-checks shapes.
 *
 * Two paths: the fast one (decode-fast.ts) takes the plainly valid inputs
 * of the hot types; everything else goes through the checked decoders
 * (fields.ts), which are authoritative and name what is wrong.
 */
import * as E from 'fp-ts/lib/Either.js'
import { decodeFast } from './decode-fast.js'
import { decodeObservedInput } from './decode-observed.js'
import { decodeSessionInput } from './decode-session.js'
import { inputError, type InputError } from './errors.js'
import { all, bool, clientId, describe, expiry, optStr, packetId, payload, protocolVersion, qos, str, topicFilter, topicName, options, type Raw, type Result } from './fields.js'
import type { InputEvent, QoS, SubscriptionOptions } from './input.js'

export { DEFAULT_LIMITS, type DecodeLimits, type Stamp } from './fields.js'
import { DEFAULT_LIMITS, type DecodeLimits, type Stamp } from './fields.js'

/**
 * Decode one host report.
 *
 * @example
 * decodeInput({ type: 'mqtt.subscribe', clientId: 'c1', filter: 'a/#', qos: 1 }, { now: () => 0, nextId: () => 'id' })
 * // right({ type: 'mqtt.subscribe', clientId: 'c1', filter: 'a/#', qos: 1, options: {...}, at: 0 })
 */
export function decodeInput(value: unknown, stamp: Stamp, limits: DecodeLimits = DEFAULT_LIMITS): Result<InputEvent> {
  if (typeof value !== 'object' || value === null) return E.left(notAnObject())
  const raw = value as Raw
  const at = stampAt(raw, stamp)
  if (typeof at !== 'number') return E.left(at)
  const fast = decodeFast(raw, at, stamp, limits)
  if (fast !== undefined) return E.right(fast)
  return decodeFields(raw, at, stamp, limits)
}

/**
 * Decode one host report through the checked decoders only: the
 * authoritative definition of what decodeInput accepts, and what it answers.
 * decodeInput gives the same answer, faster for plainly valid inputs.
 */
export function decodeInputChecked(value: unknown, stamp: Stamp, limits: DecodeLimits = DEFAULT_LIMITS): Result<InputEvent> {
  if (typeof value !== 'object' || value === null) return E.left(notAnObject())
  const raw = value as Raw
  const at = stampAt(raw, stamp)
  if (typeof at !== 'number') return E.left(at)
  return decodeFields(raw, at, stamp, limits)
}

function notAnObject(): InputError {
  return inputError('bad_shape', '', 'an input event must be an object')
}

/** The input's time: its own `at` when it gives a finite one, else the clock's (read once); an error for any other `at`. */
function stampAt(raw: Raw, stamp: Stamp): number | InputError {
  const atRaw = raw['at']
  if (atRaw === undefined) return stamp.now()
  if (typeof atRaw !== 'number' || !Number.isFinite(atRaw)) return inputError('bad_shape', 'at', 'at must be a finite number of milliseconds')
  return atRaw
}

/** Decode the fields of an object input whose time is known, with the checked decoders. */
function decodeFields(raw: Raw, at: number, stamp: Stamp, limits: DecodeLimits): Result<InputEvent> {
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
    case 'mqtt.ack':
      return E.map((f: { clientId: string; topic: string; packetId: number | null; msgId: string | null }) =>
        ({ type: 'mqtt.ack' as const, at, ...f, msgId: f.msgId === '' ? null : f.msgId }))(
        all({ ...base, topic: topicName(raw), packetId: packetId(raw), msgId: optStr(raw, 'msgId') }),
      )
    case 'mqtt.deliver':
    case 'mqtt.drop':
    case 'mqtt.connack':
    case 'mqtt.authz':
      return decodeObservedInput(raw, at, limits)
    case 'session.subscribe':
    case 'session.retain':
    case 'session.packet.put':
    case 'session.packet.delete':
      return decodeSessionInput(raw, at, stamp, limits)
    default:
      return E.left(inputError('unknown_type', 'type', `unknown input event type ${describe(raw['type'])}`))
  }
}
