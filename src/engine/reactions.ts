/**
 * Reactions: the lookups the engine runs once a domain event is in Redis, and
 * hands back to the host. They are queries, never writes, and they do not
 * run when events are replayed.
 *
 * - ClientConnected   -> stored subscriptions (on_subscribe_lookup) -> host subscribes the client
 * - SubscriptionAdded -> matching retained messages (on_retain_lookup) -> host delivers them,
 *   unless the subscription asked for none (MQTT 5 retain handling 2) [MQTT-3.3.1-11];
 *   then, if the subscription fetches, its stored messages (queue, pubsub, keep-latest)
 */
import type { EngineRedis } from '../redis/connect.js'
import type { DomainEvent } from '../events/domain.js'
import type { BrokerHost, HostMessage } from '../hosts/host.js'
import { lookupRetained } from '../queries/retained.query.js'
import { lookupSubscriptions } from '../queries/subscriptions.query.js'
import type { Keys } from '../redis/keys.js'
import { filterFetches, type OfflineMode, type OfflineRules } from '../offline/rules.js'
import { fetchStored } from '../queries/offline.query.js'

export interface ReactionDeps {
  readonly redis: EngineRedis
  readonly keys: Keys
  readonly host: BrokerHost
  readonly rules: OfflineRules
  readonly now: () => number
  /** Most stored messages fetched per topic and subscription. */
  readonly fetchLimit: number
  /** Which lookups the function rules switch on (on_subscribe_lookup, on_retain_lookup); default both. */
  readonly lookups?: { readonly subscriptions: boolean; readonly retained: boolean }
}

const MODES: readonly OfflineMode[] = ['queue', 'pubsub', 'latest']

async function fetchForSubscription(event: Extract<DomainEvent, { type: 'SubscriptionAdded' }>, deps: ReactionDeps): Promise<void> {
  const { filter, qos } = event.data
  for (const mode of MODES) {
    if (!filterFetches(deps.rules, mode, filter)) continue
    const found = await fetchStored(mode, { redis: deps.redis, keys: deps.keys, clientId: event.meta.clientId, filter, now: deps.now(), limit: deps.fetchLimit })
    if (found.length === 0) continue
    await deps.host.deliver(
      event.meta.clientId,
      found.map((m) => ({ topic: m.topic, payload: m.payload, qos: m.qos < qos ? m.qos : qos, retain: false, msgId: m.id })),
    )
  }
}

export async function react(event: DomainEvent, deps: ReactionDeps): Promise<void> {
  switch (event.type) {
    case 'ClientConnected': {
      if (deps.lookups?.subscriptions === false) return
      const subs = await lookupSubscriptions(deps.redis, deps.keys, event.meta.clientId)
      if (subs.length > 0) await deps.host.restoreSubscriptions(event.meta.clientId, event.data.connectionId, subs)
      return
    }
    case 'SubscriptionAdded': {
      await deliverRetained(event, deps)
      if (event.data.fetch) await fetchForSubscription(event, deps)
      return
    }
    default:
      return
  }
}

async function deliverRetained(event: Extract<DomainEvent, { type: 'SubscriptionAdded' }>, deps: ReactionDeps): Promise<void> {
      if (event.data.options.rh === 2 || deps.lookups?.retained === false) return
      const found = await lookupRetained(deps.redis, deps.keys, event.data.filter)
      if (found.length === 0) return
      const subQos = event.data.qos
      const messages: HostMessage[] = found.map((m) => ({
        topic: m.topic,
        payload: m.payload,
        qos: m.qos < subQos ? m.qos : subQos, // [MQTT-3.8.4-6] granted QoS caps delivery QoS
        retain: true, // [MQTT-3.3.1-8] retained messages sent on subscribe carry RETAIN=1
      }))
      await deps.host.deliver(event.meta.clientId, messages)
}
