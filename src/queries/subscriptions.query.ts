/**
 * EMQX's on_subscribe_lookup: the subscriptions stored for a client.
 */
import type { EngineRedis } from '../redis/connect.js'
import type { QoS } from '../events/input.js'
import type { Keys } from '../redis/keys.js'

export interface StoredSubscription {
  readonly filter: string
  readonly qos: QoS
}

function toQoS(s: string): QoS {
  return s === '2' ? 2 : s === '1' ? 1 : 0
}

/**
 * @example
 * await lookupSubscriptions(redis, keys, 'dev-1') // [{ filter: 'a/#', qos: 1 }]
 */
export async function lookupSubscriptions(redis: EngineRedis, keys: Keys, clientId: string): Promise<StoredSubscription[]> {
  const hash = await redis.hgetall(keys.sub(clientId))
  return Object.entries(hash).map(([filter, qos]) => ({ filter, qos: toQoS(qos) }))
}
