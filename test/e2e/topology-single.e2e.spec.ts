/**
 * The engine contract (topology-contract.ts) on one redis-server, declared
 * as a `single` pool in the JSON configuration.
 */
import { useRedis } from '../support/redis.js'
import { singlePool } from '../support/topology-config.js'
import { engineContract } from './topology-contract.js'

const redis = useRedis()

engineContract('single redis-server', async () => ({
  pool: singlePool(redis.port),
  redis: redis.client,
  keyPrefix: (prefix) => prefix,
  stop: async () => undefined, // useRedis stops the server and its client
}))
