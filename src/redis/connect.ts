/**
 * Building the ioredis client the engine writes through.
 */
import { Redis, type RedisOptions } from 'ioredis'

export type RedisTarget = string | RedisOptions | Redis

/**
 * Options that keep every accepted write: commands wait in ioredis' offline
 * queue while Redis is away instead of failing after a few retries.
 */
const DURABLE: RedisOptions = { maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: false }

/** A client for `target`, and whether the engine owns it (and so closes it). */
export function connectRedis(target: RedisTarget): { redis: Redis; owned: boolean } {
  if (target instanceof Redis) return { redis: target, owned: false }
  if (typeof target === 'string') return { redis: new Redis(target, DURABLE), owned: true }
  return { redis: new Redis({ ...DURABLE, ...target }), owned: true }
}
