/**
 * The engine contract (topology-contract.ts) on a Sentinel-managed master
 * (a replica and three sentinels beside it), declared as a `sentinel` pool:
 * serve finds the master through the sentinels, as the test's client does.
 */
import { Redis } from 'ioredis'
import { startRedisSentinel } from '../support/redis-sentinel.js'
import { sentinelPool } from '../support/topology-config.js'
import { engineContract } from './topology-contract.js'

engineContract('redis sentinel', async () => {
  const sentinel = await startRedisSentinel()
  const redis = new Redis({ sentinels: [...sentinel.sentinels], name: sentinel.masterName, maxRetriesPerRequest: 3 })
  return {
    pool: sentinelPool(sentinel.sentinels, sentinel.masterName),
    redis,
    keyPrefix: (prefix) => prefix,
    async stop() {
      redis.disconnect()
      await sentinel.stop()
    },
  }
})
