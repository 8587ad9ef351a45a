/**
 * Building the ioredis client the engine writes through: one server (or a
 * Sentinel-managed master) as a `Redis`, or a Redis Cluster as a `Cluster`.
 *
 * Every Redis-facing module of the engine (apply, scripts, queries, replay)
 * takes an `EngineRedis`, so the same code runs on both. On a cluster the
 * engine's keys must share one slot (the prefix carries a hash tag, see
 * `clusterPrefix` in keys.ts): its scripts and its MULTI/EXEC checkpoint
 * touch global indexes together with per-topic keys.
 */
import { Cluster, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from 'ioredis'
import { clusterPrefix } from './keys.js'

export type RedisTarget = string | RedisOptions | Redis

/** What the engine's Redis-facing modules accept: one server or a cluster. */
export type EngineRedis = Redis | Cluster

/** A cluster to connect to: seed nodes (ioredis discovers the rest) and ioredis' cluster options. */
export interface ClusterTarget {
  readonly cluster: readonly ClusterNode[]
  readonly options?: ClusterOptions
}

export type EngineRedisTarget = RedisTarget | Cluster | ClusterTarget

/**
 * Options that keep every accepted write: commands wait in ioredis' offline
 * queue while Redis is away instead of failing after a few retries.
 */
const DURABLE: RedisOptions = { maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: false }

/** The same for a cluster: per-node connections retry for ever, and the cluster queues while it is away. */
const DURABLE_CLUSTER: ClusterOptions = { enableOfflineQueue: true, enableReadyCheck: true, lazyConnect: false }

/** A client for `target`, and whether the engine owns it (and so closes it). */
export function connectRedis(target: RedisTarget): { redis: Redis; owned: boolean } {
  if (target instanceof Redis) return { redis: target, owned: false }
  if (typeof target === 'string') return { redis: new Redis(target, DURABLE), owned: true }
  return { redis: new Redis({ ...DURABLE, ...target }), owned: true }
}

function isClusterTarget(target: EngineRedisTarget): target is ClusterTarget {
  return typeof target === 'object' && !(target instanceof Redis) && !(target instanceof Cluster) && 'cluster' in target
}

/**
 * `connectRedis`, also for a cluster: a `Cluster` given is used as it is, a
 * `{ cluster: seeds }` target is opened with durable options.
 *
 * @example
 * const { redis } = connectEngineRedis({ cluster: [{ host: '10.0.0.1', port: 7000 }] })
 * const keys = createKeys(enginePrefix(redis, 'mqtt:')) // '{mqtt}:' on the cluster
 */
export function connectEngineRedis(target: EngineRedisTarget): { redis: EngineRedis; owned: boolean } {
  if (target instanceof Cluster) return { redis: target, owned: false }
  if (isClusterTarget(target)) {
    const o = target.options ?? {}
    const redis = new Cluster([...target.cluster], { ...DURABLE_CLUSTER, ...o, redisOptions: { maxRetriesPerRequest: null, ...o.redisOptions } })
    return { redis, owned: true }
  }
  return connectRedis(target)
}

/**
 * Is `redis` a Redis Cluster client?
 *
 * @example
 * if (isCluster(redis)) for (const master of redis.nodes('master')) await master.ping()
 */
export function isCluster(redis: EngineRedis): redis is Cluster {
  return redis instanceof Cluster
}

/**
 * The key prefix the engine uses on `redis`: the prefix as given on one
 * server, its hash-tagged form on a cluster (`mqtt:` -> `{mqtt}:`), so every
 * engine key lands in one slot.
 *
 * @example
 * enginePrefix(cluster, 'mqtt:') // '{mqtt}:'
 * enginePrefix(single, 'mqtt:')  // 'mqtt:'
 */
export function enginePrefix(redis: EngineRedis, prefix: string): string {
  return isCluster(redis) ? clusterPrefix(prefix) : prefix
}
