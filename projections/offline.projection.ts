/**
 * Stored messages for clients that are away (EMQX's on_message_publish,
 * on_message_acked_for_queue / _for_pubsub, on_message_store_keep_latest,
 * on_message_acked_for_keep_latest), their acks, queue holds released on
 * disconnect, and pubsub subscription starts and cursors.
 */
import type { DomainEvent } from '../src/events/domain.js'
import type { Keys } from '../src/redis/keys.js'
import type { Projection } from './projection.js'
import { unixSeconds, type RedisWrite } from './writes.js'

/** `${topic}\0${msgid}`: members of the expiry index and of a consumer's holdings. */
export function topicMember(topic: string, msgId: string): string {
  return `${topic}\u0000${msgId}`
}

function stored(e: Extract<DomainEvent, { type: 'MessageStored' }>, keys: Keys): RedisWrite[] {
  const { msgId, topic, qos, payload, retain, mode, expiresAt } = e.data
  const fields = [msgId, e.meta.clientId, String(qos), topic, retain ? 'true' : 'false', payload, unixSeconds(e.meta.at), String(expiresAt), topicMember(topic, msgId)]
  if (mode === 'latest') {
    return [{
      op: 'script',
      name: 'storeLatest',
      keys: [keys.msg(msgId), keys.latestMsg(topic), keys.msgTopics(), keys.expiry(), keys.seq()],
      args: [...fields, keys.msg('')],
    }]
  }
  return [{ op: 'script', name: 'storeMessage', keys: [keys.seq(), keys.msg(msgId), keys.msgTopic(topic), keys.msgTopics(), keys.expiry()], args: fields }]
}

function acked(e: Extract<DomainEvent, { type: 'MessageAcked' }>, keys: Keys): RedisWrite[] {
  const { msgId, topic, mode } = e.data
  const clientId = e.meta.clientId
  switch (mode) {
    case 'queue':
      return [{
        op: 'script',
        name: 'ackQueue',
        keys: [keys.msg(msgId), keys.msgTopic(topic), keys.claims(topic), keys.holding(clientId), keys.expiry(), keys.msgTopics()],
        args: [msgId, topic, topicMember(topic, msgId)],
      }]
    case 'pubsub':
      return [{ op: 'script', name: 'ackPubsub', keys: [keys.msgTopic(topic), keys.cursor(clientId), keys.acked(clientId, topic)], args: [topic, msgId] }]
    case 'latest':
      return [{ op: 'script', name: 'ackLatest', keys: [keys.latestMsg(topic), keys.acked(clientId, topic)], args: [msgId] }]
  }
}

export const offlineProjection: Projection = {
  name: 'offline-messages',
  version: 1,
  canHandle: (e) =>
    e.type === 'MessageStored' || e.type === 'MessageAcked' || e.type === 'ClientDisconnected' ||
    (e.type === 'SubscriptionAdded' && typeof e.data.pubsubStart === 'string') || e.type === 'SubscriptionRemoved',
  project(e: DomainEvent, keys): RedisWrite[] {
    switch (e.type) {
      case 'MessageStored':
        return stored(e, keys)
      case 'MessageAcked':
        return acked(e, keys)
      case 'ClientDisconnected':
        // Queue messages held unacknowledged go back to the backlog (only a
        // connection that fetched from a queue can hold any).
        return e.data.heldQueue ? [{ op: 'script', name: 'releaseHolds', keys: [keys.holding(e.meta.clientId)], args: [e.meta.clientId, keys.claims('')] }] : []
      case 'SubscriptionAdded':
        return typeof e.data.pubsubStart !== 'string'
          ? []
          : [{ op: 'script', name: 'markSince', keys: [keys.since(e.meta.clientId), keys.seq()], args: [e.data.filter, e.data.pubsubStart] }]
      case 'SubscriptionRemoved': {
        // EMQX's documented unsubscribe rule: DEL mqtt:acked:${clientid}:${topic}; and the
        // subscription's start and (for an exact filter) cursor, so a new subscription starts afresh.
        const { filter } = e.data
        return [
          { op: 'del', key: keys.acked(e.meta.clientId, filter) },
          { op: 'hdel', key: keys.since(e.meta.clientId), field: filter },
          { op: 'hdel', key: keys.cursor(e.meta.clientId), field: filter },
        ]
      }
      default:
        return []
    }
  },
}
