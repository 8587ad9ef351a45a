/**
 * Named Redis pools: the `pool1`, `pool2`, ... of EMQX's Redis backend
 * configuration, each a single server, a Sentinel-managed master or a Redis
 * Cluster, opened with ioredis.
 *
 * A single or sentinel pool holds `poolSize` connections; `client(key)` picks
 * one by a stable hash of the key (a clientid), so the commands of one MQTT
 * client always travel on one connection and Redis applies them in the order
 * they were sent. A cluster pool holds one ioredis Cluster, which keeps one
 * connection per node and routes by slot itself.
 */
import { Cluster, Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { PoolConfig } from '../config/model.js'
import { clusterOptions, describeTarget, PoolError, readTls, redisOptions, validatePool } from './pool-options.js'
import { waitReady } from './pool-ready.js'

export { PoolError } from './pool-options.js'

export type PoolConnection = Redis | Cluster

export interface RedisPool {
  readonly name: string
  readonly type: PoolConfig['type']
  /** Connections held: `config.poolSize` for single and sentinel, 1 (the Cluster object) for cluster. */
  readonly poolSize: number
  readonly config: PoolConfig
  /** The connection for `key`: always the same one for the same key. */
  client(key: string): PoolConnection
  all(): PoolConnection[]
  /** Resolves when every connection is ready; rejects with a PoolError naming the pool and server (auth failure at once, else after `timeoutMs`, default 10 s). */
  ready(opts?: { timeoutMs?: number }): Promise<void>
  /** QUIT every connection (sending what is queued first), or drop it when Redis does not answer within `timeoutMs` (default 5 s). */
  close(opts?: { timeoutMs?: number }): Promise<void>
}

export interface PoolOptions {
  readonly logger?: Logger
}

/**
 * FNV-1a over the UTF-16 code units: the same number for the same key in
 * every process and version, so a client keeps its connection across restarts.
 *
 * @example
 * keyHash('client-1') % 8 // the connection index of client-1 in a pool of 8
 */
export function keyHash(key: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** Log a connection's errors once per distinct message (ioredis repeats them on every retry), and its recovery. */
function watch(conn: PoolConnection, label: string, logger: Logger | undefined, onError: (err: Error) => void): void {
  let last: string | null = null
  const handle = (err: Error): void => {
    onError(err)
    if (err.message !== last) logger?.warn({ redis: label, err: err.message }, 'redis connection error')
    last = err.message
  }
  conn.on('error', handle)
  if (conn instanceof Cluster) conn.on('node error', handle)
  conn.on('ready', () => {
    if (last !== null) logger?.info({ redis: label }, 'redis connection ready again')
    last = null
  })
}

/** Read afresh: the status changes while we await, which TypeScript's narrowing does not know. */
function statusOf(conn: PoolConnection): string {
  return conn.status
}

async function closeOne(conn: PoolConnection, timeoutMs: number): Promise<void> {
  if (statusOf(conn) === 'end') return
  if (statusOf(conn) !== 'ready') {
    conn.disconnect()
    return
  }
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))
  const quit = conn.quit().then(
    () => undefined,
    () => undefined,
  )
  await Promise.race([quit, timedOut])
  clearTimeout(timer)
  if (statusOf(conn) !== 'end') conn.disconnect()
}

/**
 * Open one pool. Connections start connecting at once; await `ready()` to
 * know they are up. Throws a PoolError for a configuration ioredis cannot
 * serve (a database on a cluster, an unreadable TLS file).
 *
 * @example
 * const pool = openPool({ ...config, name: 'pool1', type: 'single', servers: [{ host: '127.0.0.1', port: 6380 }] })
 * await pool.ready()
 * await pool.client('clientid-1').hset('mqtt:client:clientid-1', 'state', '1')
 * await pool.close()
 */
export function openPool(config: PoolConfig, opts: PoolOptions = {}): RedisPool {
  validatePool(config)
  const tls = readTls(config.name, config.tls)
  const target = describeTarget(config)
  const logger = opts.logger?.child({ pool: config.name })
  const connections: PoolConnection[] =
    config.type === 'cluster'
      ? [new Cluster(config.servers.map((s) => ({ host: s.host, port: s.port })), clusterOptions(config, tls))]
      : Array.from({ length: config.poolSize }, (_, i) => new Redis(redisOptions(config, tls, String(i))))
  const lastErrors: (Error | undefined)[] = connections.map(() => undefined)
  connections.forEach((conn, i) => {
    watch(conn, `${target} #${i}`, logger, (err) => (lastErrors[i] = err))
    conn.on('ready', () => (lastErrors[i] = undefined))
  })
  return {
    name: config.name,
    type: config.type,
    poolSize: connections.length,
    config,
    client(key) {
      return connections[keyHash(key) % connections.length] as PoolConnection
    },
    all() {
      return [...connections]
    },
    async ready({ timeoutMs = 10_000 } = {}) {
      await Promise.all(
        connections.map((conn, i) => {
          const what = connections.length > 1 ? `${target} (connection ${i + 1} of ${connections.length})` : target
          return waitReady(conn, config.name, what, timeoutMs, lastErrors[i])
        }),
      )
    },
    async close({ timeoutMs = 5_000 } = {}) {
      await Promise.all(connections.map((conn) => closeOne(conn, timeoutMs)))
    },
  }
}

export interface Pools {
  readonly names: readonly string[]
  /** The pool called `name`; throws a PoolError naming the configured pools when there is none. */
  get(name: string): RedisPool
  closeAll(): Promise<void>
}

/**
 * Open every configured pool.
 *
 * @example
 * const pools = openPools(config.pools, { logger })
 * const pool1 = pools.get('pool1')
 * await pools.closeAll()
 */
export function openPools(configs: readonly PoolConfig[], opts: PoolOptions = {}): Pools {
  const byName = new Map<string, RedisPool>()
  try {
    for (const config of configs) {
      if (byName.has(config.name)) throw new PoolError(config.name, 'declared twice')
      byName.set(config.name, openPool(config, opts))
    }
  } catch (err) {
    for (const pool of byName.values()) void pool.close({ timeoutMs: 0 })
    throw err
  }
  return {
    names: [...byName.keys()],
    get(name) {
      const pool = byName.get(name)
      if (!pool) {
        const known = [...byName.keys()].map((n) => `"${n}"`).join(', ') || 'none'
        throw new PoolError(name, `no such pool is configured (configured: ${known})`)
      }
      return pool
    },
    async closeAll() {
      await Promise.all([...byName.values()].map((p) => p.close()))
    },
  }
}

/**
 * A new connection for Pub/Sub only (SUBSCRIBE turns a connection into a
 * subscriber that can run no other command, so it must not be one of the
 * pool's). The caller owns it: `quit()` or `disconnect()` it when done.
 *
 * single / sentinel: a duplicate of the pool's first connection (a sentinel
 * one follows failovers and resubscribes after reconnecting).
 *
 * cluster: a duplicate Cluster with ioredis' `shardedSubscribers` on, so both
 * kinds of Pub/Sub work on it:
 * - classic SUBSCRIBE/PUBLISH: broadcast to every node over the cluster bus;
 *   this is what EMQX's control `channel` uses, and what a publisher that does
 *   not know about shards sends;
 * - sharded SSUBSCRIBE/SPUBLISH (Redis 7): the channel lives on the node that
 *   owns its slot, so messages do not cross the whole cluster; ioredis keeps
 *   one subscriber connection per master. All channels of one SSUBSCRIBE call
 *   must hash to one slot.
 * The engine's own channels should use sharded Pub/Sub on a cluster; the
 * EMQX control channel stays classic for compatibility.
 *
 * @example
 * const sub = subscriber(pools.get('pool1'))
 * sub.on('message', (channel, message) => ...)
 * await sub.subscribe('mqtt_channel')
 */
export function subscriber(pool: RedisPool, opts: PoolOptions = {}): PoolConnection {
  const first = pool.all()[0]
  if (!first) throw new PoolError(pool.name, 'the pool has no connection')
  const sub =
    first instanceof Cluster
      ? first.duplicate([], { shardedSubscribers: true })
      : first.duplicate({ connectionName: `${first.options.connectionName ?? 'mqtt-redis'}:sub` })
  watch(sub, `${describeTarget(pool.config)} subscriber`, opts.logger?.child({ pool: pool.name }), () => undefined)
  return sub
}
