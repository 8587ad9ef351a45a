/**
 * Which EMQX hook a committed domain event is, and the fields its rule
 * templates can name (`${clientid}`, `${topic}`, `${reason}`, ...).
 *
 *   ClientConnected       client.connected, and session.created when it starts a clean session
 *   ClientDisconnected    client.disconnected       ${reason}
 *   SubscriptionAdded     session.subscribed        ${topic} is the filter, ${qos}
 *   SubscriptionRemoved   session.unsubscribed      ${topic} is the filter
 *   MessagePublished      message.publish           ${topic} ${qos} ${msgid} ${payload} ${retain}
 *   MessageDelivered      message.delivered         ${topic} ${qos} ${msgid} ${from}
 *   MessageAcked          message.acked             ${topic} ${msgid} (acks of stored messages)
 *   ConnackSent           client.connack            ${reason_code} ${reason} ${username}
 *   AuthorizationChecked  client.check_authz_complete  ${topic} ${action} ${result} ${authz_source}
 *   MessageDropped        message.dropped           ${topic} ${qos} ${msgid} ${payload} ${reason}
 *   DeliveryDropped       delivery.dropped          ${topic} ${qos} ${reason}
 *
 * Every event also has ${clientid}, ${node} and ${timestamp} (milliseconds,
 * from the event, so a rule renders the same text whenever it runs).
 */
import type { HookName } from '../config/model.js'
import { isObserved, type DomainEvent, type ObservedEvent } from '../events/domain.js'
import type { TemplateContext } from './template.js'

/** The hooks an event fires, in order (most events fire one; none for the broker's own session records). */
export function hooksOf(event: DomainEvent): readonly HookName[] {
  switch (event.type) {
    case 'ClientConnected':
      return event.data.cleanStart ? ['client.connected', 'session.created'] : ['client.connected']
    case 'ClientDisconnected':
      return ['client.disconnected']
    case 'SubscriptionAdded':
      return ['session.subscribed']
    case 'SubscriptionRemoved':
      return ['session.unsubscribed']
    case 'MessagePublished':
      return ['message.publish']
    case 'MessageDelivered':
      return ['message.delivered']
    case 'MessageAcked':
      return ['message.acked']
    case 'ConnackSent':
      return ['client.connack']
    case 'AuthorizationChecked':
      return ['client.check_authz_complete']
    case 'MessageDropped':
      return ['message.dropped']
    case 'DeliveryDropped':
      return ['delivery.dropped']
    default:
      return []
  }
}

/** The observed event a hook needs recorded, or null for hooks the engine's own events already fire. */
export function observedFor(hook: HookName): ObservedEvent['type'] | null {
  switch (hook) {
    case 'message.publish':
      return 'MessagePublished'
    case 'message.delivered':
      return 'MessageDelivered'
    case 'client.connack':
      return 'ConnackSent'
    case 'client.check_authz_complete':
      return 'AuthorizationChecked'
    case 'message.dropped':
      return 'MessageDropped'
    case 'delivery.dropped':
      return 'DeliveryDropped'
    default:
      return null
  }
}

/** The topic (or, for subscriptions, the filter) a rule's `topic` is matched against; null for client events. */
export function topicOf(event: DomainEvent): string | null {
  if (isObserved(event)) return event.data.topic
  switch (event.type) {
    case 'SubscriptionAdded':
    case 'SubscriptionRemoved':
      return event.data.filter
    case 'MessageAcked':
      return event.data.topic
    default:
      return null
  }
}

/**
 * @example
 * contextOf(disconnected).reason // 'keepalive_timeout'
 */
export function contextOf(event: DomainEvent): TemplateContext {
  const base = { clientid: event.meta.clientId, node: event.meta.node, timestamp: event.meta.at }
  if (isObserved(event)) {
    const d = event.data
    const ctx: { -readonly [K in keyof TemplateContext]: TemplateContext[K] } = { ...base, fields: d.extra }
    if (d.topic !== null) ctx.topic = d.topic
    if (d.qos !== null) ctx.qos = d.qos
    if (d.msgId !== null) ctx.msgid = d.msgId
    if (d.reason !== null) ctx.reason = d.reason
    if (d.payload !== null) ctx.payload = d.payload
    if (d.extra['retain'] !== undefined) ctx.retain = d.extra['retain'] === 'true'
    if (d.extra['username'] !== undefined) ctx.username = d.extra['username']
    return ctx
  }
  switch (event.type) {
    case 'ClientConnected':
      return { ...base, username: event.data.username, fields: { clean_start: event.data.cleanStart, proto_ver: event.data.protocolVersion } }
    case 'ClientDisconnected':
      return { ...base, reason: event.data.reason }
    case 'SubscriptionAdded':
      return { ...base, topic: event.data.filter, qos: event.data.qos }
    case 'SubscriptionRemoved':
      return { ...base, topic: event.data.filter }
    case 'MessageAcked':
      return { ...base, topic: event.data.topic, msgid: event.data.msgId }
    default:
      return base
  }
}
