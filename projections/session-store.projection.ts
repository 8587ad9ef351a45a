/**
 * What a broker keeps of its persistent sessions (the Aedes persistence):
 * their subscriptions as the broker stored them, with the indexes that
 * answer "who is subscribed to this topic" from Redis; the packets queued
 * for them, received from them at QoS 2, and their wills; and the broker's
 * own form of retained messages, beside EMQX's fields of `mqtt:retain`.
 */
import type { DomainEvent } from '../src/events/domain.js'
import type { Keys } from '../src/redis/keys.js'
import { hasWildcard } from '../src/topics/topic.js'
import type { Projection } from './projection.js'
import type { RedisWrite } from './writes.js'

/** `${clientid}\0${filter}`: a member of the index of QoS 1/2 session subscriptions. */
export function sessionSubMember(clientId: string, filter: string): string {
  return `${clientId}\u0000${filter}`
}

function subKeys(keys: Keys, clientId: string, filter: string): string[] {
  return [keys.sessionSubs(clientId), keys.sessionSubsByFilter(filter), keys.sessionWildFilters(), keys.sessionPersistentSubs(), keys.sessionClients()]
}

function packetStored(e: Extract<DomainEvent, { type: 'SessionPacketStored' }>, keys: Keys): RedisWrite[] {
  const { box, id, order, messageId, brokerId, packet } = e.data
  const clientId = e.meta.clientId
  switch (box) {
    case 'outgoing': {
      const out: RedisWrite[] = [
        { op: 'hset', key: keys.outgoingPackets(clientId), fields: [[id, packet]] },
        // A packet updated later (its packet id set, a PUBREL in its place) keeps its place in the queue.
        { op: 'zadd', key: keys.outgoing(clientId), score: order, member: id, nx: true },
      ]
      if (messageId !== null) out.push({ op: 'hset', key: keys.outgoingIds(clientId), fields: [[String(messageId), id]] })
      return out
    }
    case 'incoming':
      return [{ op: 'hset', key: keys.incoming(clientId), fields: [[id, packet]] }]
    case 'will':
      return [
        { op: 'set', key: keys.will(clientId), value: packet },
        { op: 'hset', key: keys.wills(), fields: [[clientId, brokerId ?? '']] },
      ]
  }
}

function packetDeleted(e: Extract<DomainEvent, { type: 'SessionPacketDeleted' }>, keys: Keys): RedisWrite[] {
  const { box, id, messageId } = e.data
  const clientId = e.meta.clientId
  switch (box) {
    case 'outgoing': {
      const out: RedisWrite[] = [
        { op: 'hdel', key: keys.outgoingPackets(clientId), field: id },
        { op: 'zrem', key: keys.outgoing(clientId), member: id },
      ]
      if (messageId !== null) out.push({ op: 'hdel', key: keys.outgoingIds(clientId), field: String(messageId) })
      return out
    }
    case 'incoming':
      return [{ op: 'hdel', key: keys.incoming(clientId), field: id }]
    case 'will':
      return [
        { op: 'del', key: keys.will(clientId) },
        { op: 'hdel', key: keys.wills(), field: clientId },
      ]
  }
}

export const sessionStoreProjection: Projection = {
  name: 'session-store',
  version: 1,
  canHandle: (e) =>
    e.type === 'SessionSubscriptionStored' || e.type === 'SubscriptionRemoved' || e.type === 'RetainedPacketStored' ||
    e.type === 'SessionPacketStored' || e.type === 'SessionPacketDeleted',
  project(e: DomainEvent, keys): RedisWrite[] {
    const clientId = e.meta.clientId
    switch (e.type) {
      case 'SessionSubscriptionStored': {
        const { filter, qos, stored } = e.data
        return [{
          op: 'script',
          name: 'sessionSubscribe',
          keys: subKeys(keys, clientId, filter),
          args: [clientId, filter, String(qos), stored, hasWildcard(filter) ? '1' : '0', sessionSubMember(clientId, filter)],
        }]
      }
      case 'SubscriptionRemoved': {
        const { filter } = e.data
        return [{
          op: 'script',
          name: 'sessionUnsubscribe',
          keys: subKeys(keys, clientId, filter),
          args: [clientId, filter, hasWildcard(filter) ? '1' : '0', sessionSubMember(clientId, filter)],
        }]
      }
      case 'RetainedPacketStored':
        return [{ op: 'hset', key: keys.retain(e.data.topic), fields: [['packet', e.data.packet]] }]
      case 'SessionPacketStored':
        return packetStored(e, keys)
      case 'SessionPacketDeleted':
        return packetDeleted(e, keys)
      default:
        return []
    }
  },
}
