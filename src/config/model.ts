/**
 * The backend configuration model: what an EMQX user writes in
 * `emqx_backend_redis.conf` (pools, hook rules, `expired_time`), and the same
 * model given as JSON or as an object to `createEngine`.
 *
 * Every part remembers where it was declared (`source`), so a problem found
 * after parsing (a rule naming a pool nobody declared) can still name the
 * file and line.
 */

/** The hooks a rule may name. The last four exist for rule use only (statistics). */
export const HOOKS = [
  'client.connected',
  'client.disconnected',
  'session.created',
  'session.subscribed',
  'session.unsubscribed',
  'message.publish',
  'message.delivered',
  'message.acked',
  'client.connack',
  'client.check_authz_complete',
  'message.dropped',
  'delivery.dropped',
] as const
export type HookName = (typeof HOOKS)[number]

/**
 * The functions of EMQX's Redis backend, each with the hook it belongs to.
 * `on_message_fetch_for_keep_latest` and `on_message_acked_for_keep_latest`
 * are EMQX's keep-latest pair.
 */
export const FUNCTIONS = {
  on_client_connected: 'client.connected',
  on_subscribe_lookup: 'client.connected',
  on_client_disconnected: 'client.disconnected',
  on_message_fetch_for_queue: 'session.subscribed',
  on_message_fetch_for_pubsub: 'session.subscribed',
  on_message_fetch_for_keep_latest: 'session.subscribed',
  on_retain_lookup: 'session.subscribed',
  on_message_publish: 'message.publish',
  on_message_retain: 'message.publish',
  on_retain_delete: 'message.publish',
  on_message_acked_for_queue: 'message.acked',
  on_message_acked_for_pubsub: 'message.acked',
  on_message_acked_for_keep_latest: 'message.acked',
} as const satisfies Record<string, HookName>
export type FunctionName = keyof typeof FUNCTIONS

/** Where a piece of configuration was declared. `line` is 1-based; 0 when the source has no lines (an object). */
export interface Source {
  readonly file: string
  readonly line: number
}

export interface ServerAddress {
  readonly host: string
  readonly port: number
}

export interface TlsOptions {
  /** Paths of PEM files, read when the pool connects. */
  readonly ca?: string
  readonly cert?: string
  readonly key?: string
  /** Default true. */
  readonly verify?: boolean
}

export interface PoolConfig {
  readonly name: string
  readonly type: 'single' | 'sentinel' | 'cluster'
  /** single: one address; sentinel: the sentinels; cluster: seed nodes. */
  readonly servers: readonly ServerAddress[]
  /** Sentinel only: the master group name (EMQX `backend.redis.sentinel`). */
  readonly sentinel: string | null
  /** Connections in the pool (EMQX `pool_size`). Default 8. */
  readonly poolSize: number
  /** Logical database (not for cluster). Default 0. */
  readonly database: number
  /** Redis ACL user; null for the default user. */
  readonly username: string | null
  readonly password: string | null
  /** null: plain TCP. */
  readonly tls: TlsOptions | null
  /** The Pub/Sub control channel (EMQX `channel`), or null for none. */
  readonly channel: string | null
  readonly source: Source
}

export type RuleAction =
  | { readonly kind: 'function'; readonly name: FunctionName }
  /** Raw Redis command templates, e.g. `HINCRBY disconnected_reason ${reason} 1`. */
  | { readonly kind: 'commands'; readonly commands: readonly string[] }

export interface HookRule {
  readonly hook: HookName
  /** The number after the hook in the conf (`message.publish.2` -> 2); rules of a hook run in this order. */
  readonly order: number
  /** Topic filter the rule is limited to; null applies to every topic (and to hooks without one). */
  readonly topic: string | null
  readonly action: RuleAction
  readonly pool: string
  readonly source: Source
}

export interface BackendConfig {
  readonly pools: readonly PoolConfig[]
  /** The pool the engine's own projections write to: `pool1` when declared, else the first pool. */
  readonly defaultPool: string
  /** EMQX `backend.redis.msg.expired_after` / `expired_time`: seconds a stored message lives. */
  readonly expiredTimeSec: number
  readonly hooks: readonly HookRule[]
}

/** A configuration that cannot be used: names the file, the line and the problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${problem}` : `${file}: ${problem}`)
  }
}
