/**
 * Named pools against one real redis-server: databases, connection choice by
 * key, ACL users, readiness errors, Pub/Sub.
 */
import { once } from 'node:events'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import type { PoolConfig } from '../../../src/config/model.js'
import { freePort } from '../../../src/redis/embedded.js'
import { openPool, openPools, subscriber, type RedisPool } from '../../../src/redis/pools.js'
import { useRedis } from '../../support/redis.js'

const redis = useRedis()

function poolConfig(over: Partial<PoolConfig>): PoolConfig {
  return {
    name: 'pool1',
    type: 'single',
    servers: [{ host: '127.0.0.1', port: redis.port }],
    sentinel: null,
    poolSize: 8,
    database: 0,
    username: null,
    password: null,
    tls: null,
    channel: null,
    source: { file: 'pools.int.spec.ts', line: 0 },
    ...over,
  }
}

const opened: RedisPool[] = []
function open(over: Partial<PoolConfig>): RedisPool {
  const pool = openPool(poolConfig(over))
  opened.push(pool)
  return pool
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((p) => p.close({ timeoutMs: 1000 })))
})

describe('single pool', () => {
  it('writes to the configured database', async () => {
    const pool = open({ database: 3, poolSize: 2 })
    await pool.ready()
    await pool.client('c1').set('pools:db', 'three')
    const db3 = new Redis(`${redis.url}/3`)
    try {
      expect(await db3.get('pools:db')).toBe('three')
      expect(await redis.client.get('pools:db')).toBeNull()
    } finally {
      db3.disconnect()
    }
  })

  it('keeps the commands of one key on one connection, in order', async () => {
    const pool = open({ name: 'ordered', poolSize: 4 })
    await pool.ready()
    expect(pool.poolSize).toBe(4)
    expect(pool.all()).toHaveLength(4)
    const keys = Array.from({ length: 40 }, (_, i) => `client-${i}`)
    for (const k of keys) expect(pool.client(k)).toBe(pool.client(k))
    const ids = new Set(await Promise.all(keys.map((k) => pool.client(k).client('ID'))))
    expect(ids.size).toBe(4) // 40 keys spread over every connection
    const list = String(await redis.client.client('LIST'))
    expect(list.match(/name=mqtt-redis:ordered:\d/g)).toHaveLength(4)

    // Interleave 100 pushes for each of 8 keys without awaiting: each list comes back in send order.
    const lists = keys.slice(0, 8)
    const sent: Promise<unknown>[] = []
    for (let n = 0; n < 100; n++) for (const k of lists) sent.push(pool.client(k).rpush(`pools:order:${k}`, String(n)))
    await Promise.all(sent)
    for (const k of lists) {
      expect(await redis.client.lrange(`pools:order:${k}`, 0, -1)).toEqual(Array.from({ length: 100 }, (_, n) => String(n)))
    }
  })

  it('connects as an ACL user, and a wrong password fails ready() naming pool, server and reason', async () => {
    await redis.client.call('ACL', 'SETUSER', 'engine', 'on', '>secret', '~*', '+@all')
    const good = open({ name: 'acl', poolSize: 2, username: 'engine', password: 'secret' })
    await good.ready()
    expect(await good.client('x').call('ACL', 'WHOAMI')).toBe('engine')

    const bad = open({ name: 'acl-bad', poolSize: 2, username: 'engine', password: 'wrong' })
    const started = Date.now()
    await expect(bad.ready({ timeoutMs: 10_000 })).rejects.toThrow(
      new RegExp(`redis pool "acl-bad": authentication to 127\\.0\\.0\\.1:${redis.port}.*failed: WRONGPASS`),
    )
    expect(Date.now() - started).toBeLessThan(5_000) // an auth error does not wait for the timeout
  })

  it('ready() times out with the pool, the server and the last error', async () => {
    const port = await freePort()
    const pool = open({ name: 'nobody', poolSize: 1, servers: [{ host: '127.0.0.1', port }] })
    await expect(pool.ready({ timeoutMs: 500 })).rejects.toThrow(
      new RegExp(`redis pool "nobody": not ready after 500 ms \\(127\\.0\\.0\\.1:${port}\\); last error: .*ECONNREFUSED`),
    )
  })

  it('gives Pub/Sub its own connection', async () => {
    const pool = open({ name: 'pubsub', poolSize: 1 })
    await pool.ready()
    const sub = subscriber(pool)
    try {
      expect(pool.all()).not.toContain(sub)
      await sub.subscribe('pools:ctl')
      const got = once(sub, 'message')
      await pool.client('x').publish('pools:ctl', 'hello')
      expect(await got).toEqual(['pools:ctl', 'hello'])
      expect(await pool.client('x').ping()).toBe('PONG') // the pool's connection is not in subscriber mode
    } finally {
      sub.disconnect()
    }
  })
})

describe('openPools', () => {
  it('finds pools by name and names the configured ones for an unknown name', async () => {
    const pools = openPools([poolConfig({ name: 'pool1', poolSize: 1 }), poolConfig({ name: 'pool2', poolSize: 1, database: 1 })])
    try {
      expect(pools.names).toEqual(['pool1', 'pool2'])
      expect(pools.get('pool2').config.database).toBe(1)
      expect(() => pools.get('pool9')).toThrow('redis pool "pool9": no such pool is configured (configured: "pool1", "pool2")')
    } finally {
      await pools.closeAll()
    }
  })

  it('rejects a pool declared twice, and a database on a cluster', () => {
    expect(() => openPools([poolConfig({ poolSize: 1 }), poolConfig({ poolSize: 1 })])).toThrow('redis pool "pool1": declared twice')
    expect(() => openPool(poolConfig({ name: 'c', type: 'cluster', database: 2 }))).toThrow(
      'redis pool "c": Redis Cluster has only database 0, but database 2 is configured',
    )
    expect(() => openPool(poolConfig({ name: 's', type: 'sentinel' }))).toThrow('redis pool "s": a sentinel pool needs the master group name')
    expect(() => openPool(poolConfig({ tls: { ca: '/nonexistent/ca.pem' } }))).toThrow(
      /redis pool "pool1": cannot read the TLS CA file \/nonexistent\/ca\.pem/,
    )
  })
})
