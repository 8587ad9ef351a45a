/**
 * The engine contract (topology-contract.ts) on a real Redis Cluster of
 * three masters, declared as a `cluster` pool: the engine's keys get the
 * hash-tagged prefix (`topo:` becomes `{topo}:`), the control channel is
 * sharded Pub/Sub, and ioredis follows MOVED/ASK.
 */
import { Cluster } from 'ioredis'
import { clusterPrefix } from '../../src/redis/keys.js'
import { startRedisCluster } from '../support/redis-cluster.js'
import { engineContract } from './topology-contract.js'

engineContract('redis cluster (3 masters)', async () => {
  const cluster = await startRedisCluster({ masters: 3 })
  const redis = new Cluster(cluster.nodes.map((n) => ({ host: n.host, port: n.port })), { redisOptions: { maxRetriesPerRequest: 3 } })
  return {
    pool: { type: 'cluster', server: cluster.nodes.map((n) => `${n.host}:${n.port}`) },
    redis,
    keyPrefix: (prefix) => clusterPrefix(prefix),
    async stop() {
      redis.disconnect()
      await cluster.stop()
    },
  }
})
