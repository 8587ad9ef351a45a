/**
 * The last step shared by both readers: pools and rules put together, the
 * default pool chosen, every rule's pool checked, rules put in run order.
 */
import { ConfigError, HOOKS, type BackendConfig, type HookRule, type PoolConfig, type ServerAddress } from './model.js'
import { DEFAULT_POOL_SIZE } from './pool.js'
import type { RuleDraft } from './rule.js'

/** Options for the readers. */
export interface ParseOptions {
  /**
   * Used as `pool1` when the configuration declares no pool at all, so a file
   * holding only hook rules runs against the Redis named on the command line.
   */
  readonly fallbackServer?: ServerAddress
}

/** EMQX's default for `expired_time` / `msg.expired_after`, in seconds. */
export const DEFAULT_EXPIRED_TIME_SEC = 7200

/**
 * EMQX's rule "if =< 0 take the default value".
 *
 * @example
 * effectiveExpiry(0)    // 7200
 * effectiveExpiry(3600) // 3600
 */
export function effectiveExpiry(seconds: number | null): number {
  return seconds !== null && seconds > 0 ? seconds : DEFAULT_EXPIRED_TIME_SEC
}

/** What a reader has collected; `noPoolLine` is the line to blame when no pool is declared. */
export interface Collected {
  readonly file: string
  readonly pools: readonly PoolConfig[]
  readonly rules: readonly RuleDraft[]
  readonly expiredTimeSec: number | null
  readonly noPoolLine: number
  /** How to declare a pool in this format, for the message. */
  readonly noPoolHint: string
}

/**
 * Builds the `BackendConfig`.
 *
 * @example
 * assemble({ file: 'a.conf', pools: [], rules: [], expiredTimeSec: null, noPoolLine: 0, noPoolHint: '' },
 *   { fallbackServer: { host: '127.0.0.1', port: 6379 } }).defaultPool // 'pool1'
 */
export function assemble(c: Collected, opts: ParseOptions = {}): BackendConfig {
  const pools = c.pools.length > 0 ? c.pools : fallback(c, opts)
  const defaultPool = pools.find((p) => p.name === 'pool1')?.name ?? pools[0]?.name ?? 'pool1'
  const names = new Set(pools.map((p) => p.name))
  const seen = new Map<string, number>()
  const hooks: HookRule[] = c.rules.map((r) => {
    const fail = (problem: string): never => {
      throw new ConfigError(r.source.file, r.source.line, problem)
    }
    const key = `${r.hook}.${r.order}`
    const first = seen.get(key)
    if (first !== undefined) fail(`duplicate rule ${r.order} for hook ${r.hook}${first > 0 ? ` (also on line ${first})` : ''}`)
    seen.set(key, r.source.line)
    const pool = r.pool ?? defaultPool
    if (!names.has(pool)) fail(`rule uses pool "${pool}", which is not declared (declared: ${[...names].join(', ')})`)
    return { hook: r.hook, order: r.order, topic: r.topic, action: r.action, pool, source: r.source }
  })
  hooks.sort((a, b) => HOOKS.indexOf(a.hook) - HOOKS.indexOf(b.hook) || a.order - b.order)
  return { pools, defaultPool, expiredTimeSec: effectiveExpiry(c.expiredTimeSec), hooks }
}

function fallback(c: Collected, opts: ParseOptions): PoolConfig[] {
  const server = opts.fallbackServer
  if (server === undefined) throw new ConfigError(c.file, c.noPoolLine, `no Redis pool is declared${c.noPoolHint === '' ? '' : ` (${c.noPoolHint})`}`)
  return [{
    name: 'pool1', type: 'single', servers: [server], sentinel: null, poolSize: DEFAULT_POOL_SIZE, database: 0,
    username: null, password: null, tls: null, channel: null, source: { file: c.file, line: 0 },
  }]
}
