/**
 * The boundary for what a host observes but the engine keeps no state of:
 * deliveries, dropped messages, CONNACKs and authorization checks. Hook rules
 * act on them (statistics); see ObservedData in domain.ts.
 */
import * as E from 'fp-ts/lib/Either.js'
import { inputError } from './errors.js'
import { all, bool, clientId, describe, optStr, packetId, payload, qos, str, topicName, type DecodeLimits, type Raw, type Result } from './fields.js'
import type { InputEvent, QoS } from './input.js'

function oneOf<const T extends readonly string[]>(raw: Raw, field: string, values: T, fallback?: T[number]): Result<T[number]> {
  const v = raw[field]
  if (v === undefined && fallback !== undefined) return E.right(fallback)
  for (const x of values) if (x === v) return E.right(x)
  return E.left(inputError('bad_shape', field, `${field} must be one of ${values.join(', ')}, got ${describe(v)}`))
}

function optPayload(raw: Raw, limits: DecodeLimits): Result<Buffer | null> {
  return raw['payload'] === undefined || raw['payload'] === null ? E.right(null) : payload(raw, limits)
}

function optQos(raw: Raw): Result<QoS> {
  return raw['qos'] === undefined ? E.right(0) : qos(raw)
}

function reasonCode(raw: Raw): Result<number> {
  const v = raw['reasonCode'] ?? 0
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255
    ? E.right(v)
    : E.left(inputError('bad_shape', 'reasonCode', 'reasonCode must be an integer in 0..255'))
}

/** A topic or filter as the client sent it: any non-empty well-formed string (a refused one may not be a valid filter). */
function checkedTopic(raw: Raw): Result<string> {
  return E.chain((t: string) => (t.length > 0 ? E.right(t) : E.left(inputError('bad_topic', 'topic', 'topic is empty'))))(str(raw, 'topic'))
}

/**
 * @example
 * decodeObservedInput({ type: 'mqtt.drop', clientId: 'c1', topic: 't', reason: 'no_subscribers' }, 0, DEFAULT_LIMITS)
 * // right({ type: 'mqtt.drop', stage: 'message', qos: 0, payload: null, msgId: null, ... })
 */
export function decodeObservedInput(raw: Raw, at: number, limits: DecodeLimits): Result<InputEvent> {
  const base = { clientId: clientId(raw, limits) }
  switch (raw['type']) {
    case 'mqtt.deliver':
      return E.map((f: { clientId: string; topic: string; qos: QoS; packetId: number | null; msgId: string | null; from: string | null; payload: Buffer | null }) =>
        ({ type: 'mqtt.deliver' as const, at, ...f }))(
        all({ ...base, topic: topicName(raw), qos: qos(raw), packetId: packetId(raw), msgId: optStr(raw, 'msgId'), from: optStr(raw, 'from'), payload: optPayload(raw, limits) }),
      )
    case 'mqtt.drop':
      return E.map((f: { clientId: string; stage: 'message' | 'delivery'; topic: string; reason: string | null; qos: QoS; payload: Buffer | null; msgId: string | null }) =>
        ({ type: 'mqtt.drop' as const, at, ...f, reason: f.reason ?? 'unknown' }))(
        all({ ...base, stage: oneOf(raw, 'stage', ['message', 'delivery'] as const, 'message'), topic: topicName(raw), reason: optStr(raw, 'reason'), qos: optQos(raw), payload: optPayload(raw, limits), msgId: optStr(raw, 'msgId') }),
      )
    case 'mqtt.connack':
      return E.map((f: { clientId: string; reasonCode: number; sessionPresent: boolean; username: string | null }) => ({ type: 'mqtt.connack' as const, at, ...f }))(
        all({ ...base, reasonCode: reasonCode(raw), sessionPresent: bool(raw, 'sessionPresent', false), username: optStr(raw, 'username') }),
      )
    default:
      return E.map((f: { clientId: string; action: 'publish' | 'subscribe'; topic: string; result: 'allow' | 'deny'; source: string | null }) =>
        ({ type: 'mqtt.authz' as const, at, ...f, source: f.source ?? 'default' }))(
        all({ ...base, action: oneOf(raw, 'action', ['publish', 'subscribe'] as const), topic: checkedTopic(raw), result: oneOf(raw, 'result', ['allow', 'deny'] as const), source: optStr(raw, 'source') }),
      )
  }
}
