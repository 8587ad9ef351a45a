/**
 * A cluster pool against a real three-master Redis Cluster: keys in every
 * slot range, classic and sharded Pub/Sub.
 */
import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PoolConfig } from '../../../src/config/model.js'
import { openPool, subscriber, type PoolConnection, type RedisPool } from '../../../src/redis/pools.js'
import { ask, useRedisCluster } from '../../support/redis-cluster.js'

const cluster = useRedisCluster({ masters: 3 })

function clusterConfig(): PoolConfig {
  return {
    name: 'cpool',
    type: 'cluster',
    servers: [cluster.nodes[0] ?? { host: '127.0.0.1', port: 0 }], // one seed: ioredis discovers the rest
    sentinel: null,
    poolSize: 8,
    database: 0,
    username: null,
    password: null,
    tls: null,
    channel: null,
    source: { file: 'pools-cluster.int.spec.ts', line: 0 },
  }
}

/** The port of the master that owns `key`'s slot. */
async function ownerPort(key: string): Promise<number> {
  const slot = Number(await cluster.client.cluster('KEYSLOT', key))
  const ranges: unknown = await cluster.client.cluster('SLOTS')
  if (Array.isArray(ranges)) {
    for (const r of ranges) {
      if (Array.isArray(r) && Number(r[0]) <= slot && slot <= Number(r[1]) && Array.isArray(r[2])) return Number(r[2][1])
    }
  }
  throw new Error(`no master owns slot ${slot}`)
}

let pool: RedisPool
let sub: PoolConnection
beforeAll(async () => {
  pool = openPool(clusterConfig())
  await pool.ready()
  sub = subscriber(pool)
  if (sub.status !== 'ready') await once(sub, 'ready')
})
afterAll(async () => {
  sub?.disconnect()
  await pool?.close({ timeoutMs: 1000 })
})

describe('cluster pool', () => {
  it('is one Cluster object whatever the key', () => {
    expect(pool.poolSize).toBe(1)
    expect(pool.client('a')).toBe(pool.client('b'))
    expect(pool.all()).toEqual([pool.client('a')])
  })

  it('writes keys that land on every master and reads them back', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `pools:cluster:${i}`)
    await Promise.all(keys.map((k, i) => pool.client(k).set(k, String(i))))
    // Every master holds some of them: the writes really were spread by slot (MOVED followed by ioredis).
    for (const node of cluster.nodes) expect(Number(await ask(node.port, 'DBSIZE'))).toBeGreaterThan(0)
    expect(await Promise.all(keys.map((k) => pool.client(k).get(k)))).toEqual(keys.map((_, i) => String(i)))
    expect(await cluster.client.get('pools:cluster:7')).toBe('7')
  })

  it('delivers classic Pub/Sub across the cluster bus', async () => {
    await sub.subscribe('pools:ctl')
    const got = once(sub, 'message')
    await pool.client('x').publish('pools:ctl', 'classic')
    expect(await got).toEqual(['pools:ctl', 'classic'])
  })

  it('delivers sharded Pub/Sub (SSUBSCRIBE/SPUBLISH) on channels owned by different masters', async () => {
    const channels = ['pools:shard:a', 'pools:shard:b', 'pools:shard:c', 'pools:shard:d', 'pools:shard:e']
    const owners = new Set(await Promise.all(channels.map(ownerPort)))
    expect(owners.size).toBeGreaterThan(1)
    const received = new Map<string, string>()
    const all = new Promise<void>((resolve) => {
      sub.on('smessage', (channel: string, message: string) => {
        received.set(channel, message)
        if (received.size === channels.length) resolve()
      })
    })
    for (const c of channels) await sub.ssubscribe(c) // one call per channel: one SSUBSCRIBE must stay in one slot
    for (const c of channels) await pool.client(c).spublish(c, `to ${c}`)
    await all
    expect(Object.fromEntries(received)).toEqual(Object.fromEntries(channels.map((c) => [c, `to ${c}`])))
  })
})
