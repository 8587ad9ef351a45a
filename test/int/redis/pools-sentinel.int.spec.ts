/**
 * A sentinel pool across a real failover: master, one replica, three
 * sentinels; the master is SIGKILLed and the pool follows the promoted replica.
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { PoolConfig } from '../../../src/config/model.js'
import { openPool, type RedisPool } from '../../../src/redis/pools.js'
import { ask } from '../../support/redis-cluster.js'
import { useRedisSentinel } from '../../support/redis-sentinel.js'

const topology = useRedisSentinel()

function sentinelConfig(): PoolConfig {
  return {
    name: 'spool',
    type: 'sentinel',
    servers: topology.sentinels,
    sentinel: topology.masterName,
    poolSize: 2,
    database: 2,
    username: null,
    password: null,
    tls: null,
    channel: null,
    source: { file: 'pools-sentinel.int.spec.ts', line: 0 },
  }
}

let pool: RedisPool | undefined
afterAll(async () => {
  await pool?.close({ timeoutMs: 1000 })
})

describe('sentinel pool', () => {
  it('writes to the master, follows a failover, and keeps what was replicated and what was sent during it', async () => {
    pool = openPool(sentinelConfig())
    await pool.ready()
    const keys = ['client-a', 'client-b', 'client-c', 'client-d']
    for (const k of keys) await pool.client(k).set(`pools:before:${k}`, k)
    // Every connection waits until the replica has the writes, so they survive the failover.
    for (const conn of pool.all()) expect(await conn.call('WAIT', '1', '0')).toBe(1)
    expect(await ask(topology.master.port, 'ROLE')).toEqual(expect.arrayContaining(['master']))

    await topology.killMaster()
    // Sent while there is no master: queued, not dropped.
    const during = keys.map((k) => pool?.client(k).set(`pools:during:${k}`, k))
    const started = Date.now()
    const newMaster = await topology.waitForFailover(30_000)
    const failoverMs = Date.now() - started
    expect(newMaster.port).toBe(topology.replica.port)
    await Promise.all(during)

    for (const k of keys) {
      expect(await pool.client(k).get(`pools:before:${k}`)).toBe(k)
      expect(await pool.client(k).get(`pools:during:${k}`)).toBe(k)
      await pool.client(k).set(`pools:after:${k}`, k)
    }
    // And it all lives on the promoted replica, in database 2.
    for (const conn of pool.all()) expect(await conn.call('ROLE')).toEqual(expect.arrayContaining(['master']))
    const onNew = await ask(newMaster.port, 'EVAL', "redis.call('SELECT', 2) return redis.call('DBSIZE')", '0')
    expect(onNew).toBe(keys.length * 3)
    console.info(`sentinel failover took ${failoverMs} ms`)
  }, 60_000)
})
