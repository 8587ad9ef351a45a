/**
 * The engine's own keys and scripts on a real three-master Redis Cluster,
 * with the hash-tagged prefix (`{base}:`), against the same operations on one
 * redis-server: the contract (engine-keys.contract.ts) runs on both, and
 * every case must have seen the same values on both, with no CROSSSLOT.
 * Then what the tag is for: every key in one slot, CROSSSLOT without it, and
 * the slot moving to another master mid-way (MOVED followed by ioredis).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openEventLog } from '../../../src/log/event-log.js'
import { connectEngineRedis, enginePrefix, isCluster } from '../../../src/redis/connect.js'
import { clusterPrefix, createKeys, type Keys } from '../../../src/redis/keys.js'
import { callScript, ensureScripts } from '../../../src/redis/scripts.js'
import { crc16, hashTag, keySlot, keysShareSlot } from '../../../src/redis/slot.js'
import { moveSlot, slotOwnerPort } from '../../support/cluster-slots.js'
import { dumpKeys } from '../../support/dump.js'
import { ask, useRedisCluster } from '../../support/redis-cluster.js'
import { useRedis } from '../../support/redis.js'
import { engineKeysContract, type Outcomes } from './engine-keys.contract.js'
import { Driver } from './engine-driver.js'

const single = useRedis()
const cluster = useRedisCluster({ masters: 3 })

// The engine's client on the cluster, opened the way the engine opens one: a seed node, ioredis finds the rest.
let engineCluster: Cluster
beforeAll(async () => {
  const { redis } = connectEngineRedis({ cluster: [cluster.nodes[0] ?? { host: '127.0.0.1', port: 0 }] })
  if (!isCluster(redis)) throw new Error('connectEngineRedis({ cluster }) did not make a Cluster client')
  redis.on('error', () => undefined)
  await redis.ping()
  engineCluster = redis
})
afterAll(() => engineCluster?.disconnect())

const outcomes: Outcomes = new Map()
engineKeysContract({ name: 'single', cluster: false, redis: () => single.client, prefix: (base) => `${base}:` }, outcomes)
engineKeysContract({ name: 'cluster', cluster: true, redis: () => engineCluster, prefix: (base) => clusterPrefix(`${base}:`) }, outcomes)

describe('the cluster and the single server saw the same', () => {
  it.each(['projections', 'offline', 'retained', 'subscriptions', 'replay'])('%s', (name) => {
    const seen = outcomes.get(name)
    expect(seen?.has('single') && seen.has('cluster'), `${name} ran on both`).toBe(true)
    expect(seen?.get('cluster')).toEqual(seen?.get('single'))
  })
})

/** Every key the Keys object can build, with arguments that hold braces and non-ASCII bytes. */
function everyKey(k: Keys): string[] {
  const a = 'dev-{1}'
  const t = 'we}{ird/ü/#'
  return [
    k.client(a), k.node('n{1}'), k.sub(a), k.retain(t), k.retainIndex(), k.msg('00Vbf{x}'), k.msgTopic(t), k.acked(a, t),
    k.latestMsg(t), k.seq(), k.msgTopics(), k.expiry(), k.claims(t), k.holding(a), k.cursor(a), k.since(a), k.checkpoint(),
    k.sessionSubs(a), k.sessionSubsByFilter(t), k.sessionWildFilters(), k.sessionPersistentSubs(), k.sessionClients(),
    k.outgoing(a), k.outgoingPackets(a), k.outgoingIds(a), k.incoming(a), k.will(a), k.wills(),
  ]
}

describe('the hash-tagged prefix', () => {
  it('clusterPrefix wraps a plain prefix, keeps a tagged one, refuses a broken tag', () => {
    expect(clusterPrefix('mqtt:')).toBe('{mqtt}:')
    expect(clusterPrefix('site-a:mqtt:')).toBe('{site-a:mqtt}:')
    expect(clusterPrefix('mqtt')).toBe('{mqtt}')
    expect(clusterPrefix('{mqtt}:')).toBe('{mqtt}:')
    expect(clusterPrefix('plant-{7}:')).toBe('plant-{7}:')
    expect(clusterPrefix(clusterPrefix('mqtt:'))).toBe('{mqtt}:')
    for (const bad of ['', ':', '{mqtt:', 'mq}tt:', '{}mqtt:']) expect(() => clusterPrefix(bad), JSON.stringify(bad)).toThrow(TypeError)
    expect(createKeys(clusterPrefix('mqtt:')).client('dev-1')).toBe('{mqtt}:client:dev-1')
    expect(enginePrefix(single.client, 'mqtt:')).toBe('mqtt:')
    expect(enginePrefix(engineCluster, 'mqtt:')).toBe('{mqtt}:')
  })

  it('puts every engine key in one slot, whatever braces a client id or topic holds; without it they spread', () => {
    const tagged = everyKey(createKeys(clusterPrefix('mqtt:')))
    expect(tagged.every((k) => hashTag(k) === 'mqtt')).toBe(true)
    expect(keysShareSlot(tagged)).toBe(true)
    expect(keysShareSlot(everyKey(createKeys('mqtt:')))).toBe(false)
  })

  it('computes the slot Redis computes', async () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x31c3)
    const keys = [...everyKey(createKeys(clusterPrefix('mqtt:'))), ...everyKey(createKeys('mqtt:')), 'a{}b', '{}', '{', 'x{y', 'x}{y}', 'ü', '']
    for (const k of keys) expect(keySlot(k), k).toBe(Number(await engineCluster.cluster('KEYSLOT', k)))
  })

  it('without the tag a script over a global index and a topic key fails with CROSSSLOT; with it, it runs', async () => {
    ensureScripts(engineCluster)
    const args = (k: Keys) => [[k.seq(), k.msg('m1'), k.msgTopic('queue/x'), k.msgTopics(), k.expiry()], ['m1', 'p', '1', 'queue/x', 'false', Buffer.from('v'), '1', String(Date.now() + 60_000), 'queue/x\0m1']] as const
    const [plainKeys, plainArgs] = args(createKeys('cross:'))
    expect(keysShareSlot(plainKeys)).toBe(false)
    await expect(callScript(engineCluster, 'storeMessage', plainKeys, plainArgs)).rejects.toThrow(/CROSSSLOT/)
    const [tagKeys, tagArgs] = args(createKeys(clusterPrefix('cross:')))
    expect(await callScript(engineCluster, 'storeMessage', tagKeys, tagArgs)).toBe(1)
  })
})

describe('the engine slot moving to another master', () => {
  it('ioredis follows MOVED: scripts, MULTI/EXEC with the checkpoint and lookups go on against the new owner', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mqtt-redis-cluster-move-'))
    const log = await openEventLog({ dir, durability: { mode: 'never' } })
    try {
      const prefix = clusterPrefix('ek-move:')
      const d = new Driver(engineCluster, prefix, { log, offline: { pubsubStart: 'oldest' } })
      const pub = (topic: string, payload: string) => d.submit({ type: 'mqtt.publish', clientId: 'pub', topic, payload, qos: 1 })
      for (let i = 1; i <= 3; i++) await pub('queue/m', `m${i}`)
      await pub('pubsub/m', 'p1')

      const slot = keySlot(d.keys.seq())
      const seed = cluster.nodes[0] ?? { host: '127.0.0.1', port: 0 }
      const from = await slotOwnerPort(seed, slot)
      const to = cluster.nodes.map((n) => n.port).find((p) => p !== from) ?? from
      expect(await moveSlot(cluster.nodes, slot, from, to)).toBeGreaterThan(0)

      // The client still thinks `from` owns the slot: every call below is answered MOVED first.
      await pub('queue/m', 'm4')
      await d.submit({ type: 'mqtt.connect', clientId: 'A', connectionId: 'k1' })
      await d.submit({ type: 'mqtt.subscribe', clientId: 'A', filter: 'queue/m', qos: 1 })
      const got = d.host.take('A')
      expect(got.map((m) => m.payload.toString())).toEqual(['m1', 'm2', 'm3', 'm4'])
      for (const m of got.slice(0, 2)) await d.submit({ type: 'mqtt.ack', clientId: 'A', topic: m.topic, msgId: m.msgId })
      await d.submit({ type: 'mqtt.subscribe', clientId: 'A', filter: 'pubsub/#', qos: 1 })
      expect(d.host.take('A').map((m) => `${m.topic} ${m.payload.toString()}`)).toEqual(['pubsub/m p1'])

      const onOld = await ask(from, 'CLUSTER', 'COUNTKEYSINSLOT', String(slot))
      const onNew = await ask(to, 'CLUSTER', 'COUNTKEYSINSLOT', String(slot))
      expect(Number(onOld)).toBe(0)
      expect(Number(onNew)).toBeGreaterThan(0)
      const state = await dumpKeys(engineCluster, `${prefix}*`)
      expect(state[d.keys.checkpoint()]?.value).toEqual([['n1', Buffer.from(String(log.lastPosition())).toString('base64')]])
      expect(await engineCluster.zcard(d.keys.msgTopic('queue/m'))).toBe(2)
      d.stop()
    } finally {
      await log.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
