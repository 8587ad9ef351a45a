/**
 * The configuration used when none is given: EMQX's documented default rule
 * set for its Redis backend, every rule on `pool1`.
 */
import { DEFAULT_EXPIRED_TIME_SEC } from './assemble.js'
import { DEFAULT_POOL_SIZE } from './pool.js'
import type { BackendConfig, FunctionName, HookRule, ServerAddress, Source } from './model.js'
import { FUNCTIONS } from './model.js'

const SOURCE: Source = { file: '<defaults>', line: 0 }

/**
 * Each function with the topic filter it is limited to (null: every topic) and
 * its number within its hook. Offline delivery is told apart by topic prefix:
 * `queue/#` is one-to-one (a message is consumed once), `pubsub/#` is
 * one-to-many (each subscriber acknowledges for itself).
 */
const DEFAULT_RULES: readonly (readonly [FunctionName, string | null, number])[] = [
  ['on_client_connected', null, 1], // record the client as online
  ['on_subscribe_lookup', null, 2], // restore its stored subscriptions
  ['on_client_disconnected', null, 1], // record it as offline
  ['on_message_fetch_for_queue', 'queue/#', 1], // deliver unread queue messages on subscribe
  ['on_message_fetch_for_pubsub', 'pubsub/#', 2], // deliver unread pub/sub messages on subscribe
  ['on_retain_lookup', '#', 3], // deliver retained messages on subscribe
  ['on_message_publish', '#', 1], // store QoS > 0 messages
  ['on_message_retain', '#', 2], // store retained messages
  ['on_retain_delete', '#', 3], // an empty retained payload deletes the retained message
  ['on_message_acked_for_queue', 'queue/#', 1], // queue ack: the message is consumed
  ['on_message_acked_for_pubsub', 'pubsub/#', 2], // pub/sub ack: this subscriber has read it
]

/**
 * The default configuration against `server`: pool1 (8 connections, database 0,
 * channel `mqtt_channel`), messages kept 7200 s, the 11 default function rules.
 *
 * @example
 * defaultBackendConfig({ host: '127.0.0.1', port: 6379 }).hooks.length // 11
 */
export function defaultBackendConfig(server: ServerAddress): BackendConfig {
  const hooks: HookRule[] = DEFAULT_RULES.map(([name, topic, order]) => ({
    hook: FUNCTIONS[name], order, topic, action: { kind: 'function', name }, pool: 'pool1', source: SOURCE,
  }))
  return {
    pools: [{
      name: 'pool1', type: 'single', servers: [server], sentinel: null, poolSize: DEFAULT_POOL_SIZE, database: 0,
      username: null, password: null, tls: null, channel: 'mqtt_channel', source: SOURCE,
    }],
    defaultPool: 'pool1',
    expiredTimeSec: DEFAULT_EXPIRED_TIME_SEC,
    hooks,
  }
}
