/**
 * `mqtt:sub:${clientid}` {topic filter: qos}: written on subscribe (a new QoS
 * replaces the old one), removed on unsubscribe. Only the QoS is kept, as in
 * EMQX's layout; subscription options are not stored.
 */
import type { DomainEvent } from '../src/events/domain.js'
import type { Projection } from './projection.js'
import type { RedisWrite } from './writes.js'

export const subscriptionsProjection: Projection = {
  name: 'subscriptions',
  version: 1,
  canHandle: (e) => e.type === 'SubscriptionAdded' || e.type === 'SubscriptionRemoved',
  project(e: DomainEvent, keys): RedisWrite[] {
    const key = keys.sub(e.meta.clientId)
    switch (e.type) {
      case 'SubscriptionAdded':
        return [{ op: 'hset', key, fields: [[e.data.filter, String(e.data.qos)]] }]
      case 'SubscriptionRemoved':
        return [{ op: 'hdel', key, field: e.data.filter }]
      default:
        return []
    }
  },
}
