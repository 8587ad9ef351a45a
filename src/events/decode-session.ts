/**
 * The boundary for what a broker's persistence reports of its persistent
 * sessions (session.* input events): subscriptions, retained messages and
 * the packets a session keeps.
 */
import * as E from 'fp-ts/lib/Either.js'
import { inputError } from './errors.js'
import { all, clientId, options, payload, qos, str, topicFilter, topicName, type DecodeLimits, type Raw, type Result, type Stamp } from './fields.js'
import type { InputEvent, SessionBox } from './input.js'

function box(raw: Raw): Result<SessionBox> {
  const v = raw['box']
  return v === 'outgoing' || v === 'incoming' || v === 'will' ? E.right(v) : E.left(inputError('bad_shape', 'box', 'box must be outgoing, incoming or will'))
}

function messageId(raw: Raw): Result<number | null> {
  const v = raw['messageId']
  if (v === undefined || v === null) return E.right(null)
  // 0 is not a valid packet identifier on the wire [MQTT-2.3.1-1], but brokers use it in tests and before assigning one.
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535
    ? E.right(v)
    : E.left(inputError('bad_shape', 'messageId', 'messageId must be an integer in 0..65535'))
}

function order(raw: Raw): Result<number> {
  const v = raw['order'] ?? 0
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? E.right(v) : E.left(inputError('bad_shape', 'order', 'order must be a non-negative safe integer'))
}

function optString(raw: Raw, field: string): Result<string | null> {
  return raw[field] === undefined || raw[field] === null ? E.right(null) : str(raw, field)
}

/**
 * Decode a session.* input (decodeInput sends them here).
 *
 * @example
 * decodeSessionInput({ type: 'session.packet.delete', clientId: 'c1', box: 'incoming', id: '7', messageId: 7 }, 0, stamp)
 */
export function decodeSessionInput(raw: Raw, at: number, stamp: Stamp, limits: DecodeLimits): Result<InputEvent> {
  const base = { clientId: clientId(raw, limits) }
  switch (raw['type']) {
    case 'session.subscribe':
      return E.map((f: { clientId: string; filter: string; qos: 0 | 1 | 2; options: { nl: boolean; rap: boolean; rh: 0 | 1 | 2 }; stored: string }) => ({ type: 'session.subscribe' as const, at, ...f }))(
        all({ ...base, filter: topicFilter(raw), qos: qos(raw), options: options(raw), stored: str(raw, 'stored') }),
      )
    case 'session.retain':
      return E.map((f: { clientId: string; topic: string; payload: Buffer; qos: 0 | 1 | 2; packet: string }) => ({ type: 'session.retain' as const, at, msgId: stamp.nextId(at), ...f }))(
        all({ ...base, topic: topicName(raw), payload: payload(raw, limits), qos: qos(raw), packet: str(raw, 'packet') }),
      )
    case 'session.packet.put':
      return E.map((f: { clientId: string; box: SessionBox; id: string; order: number; messageId: number | null; brokerId: string | null; packet: string }) => ({ type: 'session.packet.put' as const, at, ...f }))(
        all({ ...base, box: box(raw), id: str(raw, 'id'), order: order(raw), messageId: messageId(raw), brokerId: optString(raw, 'brokerId'), packet: str(raw, 'packet') }),
      )
    case 'session.packet.delete':
      return E.map((f: { clientId: string; box: SessionBox; id: string; messageId: number | null }) => ({ type: 'session.packet.delete' as const, at, ...f }))(
        all({ ...base, box: box(raw), id: str(raw, 'id'), messageId: messageId(raw) }),
      )
    default:
      return E.left(inputError('unknown_type', 'type', 'not a session input'))
  }
}
