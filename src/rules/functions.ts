/**
 * What the function rules of a configuration make the engine do. In EMQX's
 * Redis backend each function is a piece of built-in behaviour switched on by
 * a hook rule; here the engine's own behaviour is the same set, and the rules
 * choose which parts run and for which topics:
 *
 * - on_message_fetch_for_queue / _pubsub / _keep_latest: their topics are the
 *   queue, pubsub and keep-latest filters (what is stored for clients that
 *   are away, and which subscriptions fetch it);
 * - on_message_publish: stores QoS 1/2 messages at all; without it nothing is
 *   stored for clients that are away;
 * - on_subscribe_lookup: a connecting client is subscribed to its stored subscriptions;
 * - on_retain_lookup: a new subscription gets the matching retained messages.
 *
 * on_client_connected, on_client_disconnected, on_message_retain,
 * on_retain_delete and the on_message_acked_* functions are accepted and
 * always on: the client hash, retained messages and acks are the state the
 * engine itself keeps (README, "Hook rules").
 */
import type { BackendConfig, FunctionName } from '../config/model.js'
import type { OfflineRules } from '../offline/rules.js'

export interface FunctionFeatures {
  readonly offline: Pick<OfflineRules, 'queue' | 'pubsub' | 'latest' | 'expiredTimeSec'>
  readonly subscribeLookup: boolean
  readonly retainLookup: boolean
}

/**
 * @example
 * featuresOf(defaultBackendConfig({ host: '127.0.0.1', port: 6379 })).offline.queue // ['queue/#']
 */
export function featuresOf(config: BackendConfig): FunctionFeatures {
  const topics = (name: FunctionName): string[] => {
    const out: string[] = []
    for (const r of config.hooks) if (r.action.kind === 'function' && r.action.name === name) out.push(r.topic ?? '#')
    return [...new Set(out)]
  }
  const has = (name: FunctionName): boolean => config.hooks.some((r) => r.action.kind === 'function' && r.action.name === name)
  const stores = has('on_message_publish')
  return {
    offline: {
      queue: stores ? topics('on_message_fetch_for_queue') : [],
      pubsub: stores ? topics('on_message_fetch_for_pubsub') : [],
      latest: stores ? topics('on_message_fetch_for_keep_latest') : [],
      expiredTimeSec: config.expiredTimeSec,
    },
    subscribeLookup: has('on_subscribe_lookup'),
    retainLookup: has('on_retain_lookup'),
  }
}
