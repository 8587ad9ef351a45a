/**
 * The engine's side of a backend configuration: which Redis the engine's own
 * keys go to, what its function rules switch on, the command rules and the
 * pools they run on, and the control channels.
 */
import type { Logger } from 'pino'
import { validateConfig } from '../config/json-config.js'
import { ConfigError, type BackendConfig, type PoolConfig } from '../config/model.js'
import { openControlChannel, type ControlChannel } from '../channel/channel.js'
import type { BrokerHost } from '../hosts/host.js'
import { clusterOptions, readTls, redisOptions } from '../redis/pool-options.js'
import { openPools, type Pools } from '../redis/pools.js'
import type { EngineRedisTarget } from '../redis/connect.js'
import { featuresOf, type FunctionFeatures } from '../rules/functions.js'
import { compileRules, type RuleSet } from '../rules/rule-set.js'
import { createRuleRunner, type RuleRunner } from '../rules/runner.js'

export interface Backend {
  readonly config: BackendConfig
  readonly features: FunctionFeatures
  readonly rules: RuleSet
  /** Pools opened for command rules and channels; null when none is needed. */
  readonly pools: Pools | null
  readonly runner: RuleRunner | null
  readonly channels: readonly ControlChannel[]
  close(): Promise<void>
}

/** A loaded configuration, or the JSON model as a plain object (checked here). */
export function toBackendConfig(value: BackendConfig | Readonly<Record<string, unknown>>): BackendConfig {
  const loaded = Array.isArray(value['pools']) && typeof value['defaultPool'] === 'string' && Array.isArray(value['hooks'])
  return loaded ? (value as BackendConfig) : validateConfig(value, 'createEngine({ backend })')
}

export function defaultPoolOf(config: BackendConfig): PoolConfig {
  const pool = config.pools.find((p) => p.name === config.defaultPool)
  if (!pool) throw new ConfigError('createEngine({ backend })', 0, `the default pool ${config.defaultPool} is not declared`)
  return pool
}

/**
 * The Redis the engine's own keys go to when the caller gives none: the
 * default pool, single, sentinel or cluster (on a cluster the engine's keys
 * get a hash-tagged prefix, see createEngine).
 */
export function engineRedisOf(config: BackendConfig): EngineRedisTarget {
  const pool = defaultPoolOf(config)
  const tls = readTls(pool.name, pool.tls)
  if (pool.type === 'cluster') return { cluster: pool.servers, options: clusterOptions(pool, tls) }
  return redisOptions(pool, tls, 'engine')
}

/**
 * @example
 * const backend = openBackend(config, { hosts: () => hosts, logger })
 * backend.runner?.run(event); for (const c of backend.channels) c.notice(event)
 */
export function openBackend(config: BackendConfig, deps: { readonly hosts: () => Iterable<BrokerHost>; readonly logger: Logger }): Backend {
  const rules = compileRules(config)
  const features = featuresOf(config)
  const channelPools = config.pools.filter((p) => p.channel !== null)
  const needed = new Set([...rules.pools, ...channelPools.map((p) => p.name)])
  const pools = needed.size > 0 ? openPools(config.pools.filter((p) => needed.has(p.name)), { logger: deps.logger }) : null
  for (const name of needed) {
    pools?.get(name).ready().catch((err: unknown) => deps.logger.error({ pool: name, err: String(err) }, 'a redis pool is not reachable yet; its rule commands wait'))
  }
  const runner = pools && rules.byHook.size > 0 ? createRuleRunner(rules, pools, deps.logger) : null
  const channels = pools ? channelPools.map((p) => openControlChannel(pools.get(p.name), p.channel ?? '', deps)) : []
  return {
    config,
    features,
    rules,
    pools,
    runner,
    channels,
    async close() {
      await runner?.settled()
      await Promise.allSettled(channels.map((c) => c.close()))
      await pools?.closeAll()
    },
  }
}
