/**
 * The engine's boundary: an unknown value from a host becomes an InputEvent
 * or a typed InputError. Nothing past this point re-checks shapes.
 */
import * as E from 'fp-ts/lib/Either.js'
import { decodeObservedInput } from './decode-observed.js'
import { decodeSessionInput } from './decode-session.js'
import { inputError } from './errors.js'
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
