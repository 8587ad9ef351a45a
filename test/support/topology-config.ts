/**
 * JSON configurations for `mqtt-redis serve --config` on one Redis topology:
 * pool1 is the topology (the engine's default pool), with EMQX's default
 * function rules, the `mqtt_channel` control channel and one raw command
 * rule, so a test sees every part of the backend running on that topology.
 */
import type { ServerAddress } from '../../src/config/model.js'

/** `pools.pool1` of the JSON configuration (src/config/json-config.ts). */
export interface JsonPool {
  readonly type?: 'single' | 'sentinel' | 'cluster'
  readonly server: string | readonly string[]
  readonly sentinel?: string
  readonly database?: number
  readonly pool_size?: number
  readonly channel?: string | null
}

export const CHANNEL = 'mqtt_channel'

/** The raw command rule's key for a client (written on client.connected). */
export const connKey = (clientId: string): string => `topo:conn:${clientId}`

/** EMQX's default function rules, as examples/statistics.json lists them: without them the JSON file stores nothing. */
const DEFAULT_FUNCTION_RULES = [
  ['client.connected', null, 'on_client_connected'],
  ['client.connected', null, 'on_subscribe_lookup'],
  ['client.disconnected', null, 'on_client_disconnected'],
  ['session.subscribed', 'queue/#', 'on_message_fetch_for_queue'],
  ['session.subscribed', 'pubsub/#', 'on_message_fetch_for_pubsub'],
  ['session.subscribed', '#', 'on_retain_lookup'],
  ['message.publish', '#', 'on_message_publish'],
  ['message.publish', '#', 'on_message_retain'],
  ['message.publish', '#', 'on_retain_delete'],
  ['message.acked', 'queue/#', 'on_message_acked_for_queue'],
  ['message.acked', 'pubsub/#', 'on_message_acked_for_pubsub'],
] as const

/**
 * The whole configuration with `pool` as pool1.
 *
 * @example
 * writeFileSync(file, JSON.stringify(topologyConfig(singlePool(6380))))
 */
export function topologyConfig(pool: JsonPool): Record<string, unknown> {
  return {
    pools: { pool1: { channel: CHANNEL, ...pool } },
    hooks: [
      ...DEFAULT_FUNCTION_RULES.map(([hook, topic, fn]) => ({ hook, ...(topic !== null ? { topic } : {}), action: { function: fn } })),
      { hook: 'client.connected', action: { commands: [`SET ${connKey('${clientid}')} \${node}`] } },
    ],
  }
}

export function singlePool(port: number, host = '127.0.0.1'): JsonPool {
  return { type: 'single', server: `${host}:${port}` }
}

export function sentinelPool(sentinels: readonly ServerAddress[], masterName: string): JsonPool {
  return { type: 'sentinel', server: sentinels.map((s) => `${s.host}:${s.port}`), sentinel: masterName }
}
