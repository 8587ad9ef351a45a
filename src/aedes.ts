/**
 * mqtt-redis-engine/aedes: Aedes' persistence on Redis, through the engine.
 *
 * @example
 * import { Aedes } from 'aedes'
 * import { aedesPersistence } from 'mqtt-redis-engine/aedes'
 * const broker = await Aedes.createBroker({ persistence: aedesPersistence({ redis: 'redis://127.0.0.1:6379' }) })
 */
export { aedesPersistence, PersistenceInputError, RedisPersistence } from './hosts/aedes/redis-persistence.js'
export type { AedesPersistenceOptions } from './hosts/aedes/redis-persistence.js'
