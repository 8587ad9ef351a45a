/**
 * The `mqtt_channel` messages, both ways, as JSON text:
 *
 * - notices the engine publishes when a client subscribes or unsubscribes
 *   (EMQX's Redis backend, seed doc 000): `{"type":"subscribe","topic":"t","clientid":"c","qos":1}`,
 *   plus `"node"`, the engine node that saw it;
 * - commands a business server publishes to make a connected client
 *   subscribe or unsubscribe now (the Chinese edition, 001): the same shape,
 *   without `node`. `qos` may be a number or a numeric string (the doc's
 *   example writes `"0"`); unsubscribe needs none.
 *
 * A message carrying `node` is a notice of some engine, never a command, so
 * an engine does not act on its own notices coming back on the channel.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { DomainEvent } from '../events/domain.js'
import type { QoS } from '../events/input.js'
import { topicFilterProblem } from '../topics/topic.js'

export type ControlCommand =
  | { readonly type: 'subscribe'; readonly clientId: string; readonly filter: string; readonly qos: QoS }
  | { readonly type: 'unsubscribe'; readonly clientId: string; readonly filter: string }

/** Why a channel message is not a command; `notice` ones are fine, just not for us to act on. */
export interface ControlProblem {
  readonly kind: 'malformed' | 'notice'
  readonly message: string
}

const MAX_MESSAGE_BYTES = 64 * 1024

function malformed(message: string): E.Either<ControlProblem, never> {
  return E.left({ kind: 'malformed', message })
}

/**
 * @example
 * parseControlMessage('{"type":"subscribe","topic":"cmd/#","clientid":"dev-1","qos":"1"}')
 * // right({ type: 'subscribe', clientId: 'dev-1', filter: 'cmd/#', qos: 1 })
 */
export function parseControlMessage(text: string): E.Either<ControlProblem, ControlCommand> {
  if (text.length > MAX_MESSAGE_BYTES) return malformed(`longer than ${MAX_MESSAGE_BYTES} characters`)
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    return malformed(`not JSON: ${e instanceof Error ? e.message : String(e)}`)
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return malformed('not a JSON object')
  const o = raw as Record<string, unknown>
  if (o['node'] !== undefined) return E.left({ kind: 'notice', message: 'a notice published by an engine' })
  const type = o['type']
  if (type !== 'subscribe' && type !== 'unsubscribe') return malformed('type must be "subscribe" or "unsubscribe"')
  const clientId = o['clientid']
  if (typeof clientId !== 'string' || clientId.length === 0 || !clientId.isWellFormed()) return malformed('clientid must be a non-empty string')
  const filter = o['topic']
  if (typeof filter !== 'string' || !filter.isWellFormed()) return malformed('topic must be a string')
  const problem = topicFilterProblem(filter)
  if (problem) return malformed(`topic ${JSON.stringify(filter)} is not a valid topic filter: ${problem}`)
  if (type === 'unsubscribe') return E.right({ type, clientId, filter })
  const q = o['qos'] ?? 0
  const qos = q === 0 || q === '0' ? 0 : q === 1 || q === '1' ? 1 : q === 2 || q === '2' ? 2 : null
  if (qos === null) return malformed('qos must be 0, 1 or 2')
  return E.right({ type, clientId, filter, qos })
}

/**
 * The notice for a committed event, or null when it is not a subscription change.
 *
 * @example
 * noticeOf(subscriptionAdded) // '{"type":"subscribe","topic":"a/#","clientid":"c1","qos":1,"node":"n1"}'
 */
export function noticeOf(event: DomainEvent): string | null {
  if (event.type === 'SubscriptionAdded') {
    return JSON.stringify({ type: 'subscribe', topic: event.data.filter, clientid: event.meta.clientId, qos: event.data.qos, node: event.meta.node })
  }
  if (event.type === 'SubscriptionRemoved') {
    return JSON.stringify({ type: 'unsubscribe', topic: event.data.filter, clientid: event.meta.clientId, node: event.meta.node })
  }
  return null
}
