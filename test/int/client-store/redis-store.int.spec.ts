/**
 * The Redis store against a real redis-server: the same Store contract
 * MQTT.js' in-memory Store passes, then what only Redis can show: where the
 * keys are, that nothing is left behind, and who closes the connection.
 */
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { createRedisStores, type RedisStores } from '../../../src/client-store/index.js'
import { useRedis } from '../../support/redis.js'
import { del, drain, get, publish, pubrel, put, storeContract } from '../../unit/client-store/store-contract.js'

const redis = useRedis()
let n = 0
const opened: RedisStores[] = []

/** Fresh stores in a namespace of their own, on this file's redis-server. */
async function fresh(extra: { prefix?: string } = {}): Promise<RedisStores> {
  const stores = createRedisStores({ redis: redis.url, clientId: `contract-${++n}`, serverUri: 'mqtt://broker.test:1883', ...extra })
  opened.push(stores)
  await stores.ready()
  return stores
}

afterAll(async () => {
  for (const s of opened) await s.close()
})

storeContract('Redis store, outgoing side', { make: async () => (await fresh()).outgoing, propertyRuns: 40 })
storeContract('Redis store, incoming side', { make: async () => (await fresh()).incoming, propertyRuns: 10 })

describe('Redis store keys', () => {
  it('keeps each side in a hash of packets and a sorted set of ids, under the namespace of (clientId, serverUri)', async () => {
    const s = await fresh({ prefix: 'plant-3:' })
    await put(s.outgoing, publish(7))
    await put(s.incoming, publish(8, 'x', 2))
    const ns = s.keys.namespace
    expect(ns).toBe(`mqttjs:plant-3:{${`contract-${n}`.length}:contract-${n},23:mqtt://broker.test:1883,}`)
    expect((await redis.client.keys(`${ns}*`)).sort()).toEqual([`${ns}:in:order`, `${ns}:in:packets`, `${ns}:out:order`, `${ns}:out:packets`])
    expect(await redis.client.type(`${ns}:out:packets`)).toBe('hash')
    expect(await redis.client.zrange(`${ns}:out:order`, 0, -1)).toEqual(['7'])
  })

  it('leaves no key behind once both sides are empty', async () => {
    const s = await fresh()
    await put(s.outgoing, publish(1))
    await put(s.outgoing, pubrel(1))
    await put(s.incoming, publish(2, 'x', 2))
    await del(s.outgoing, 1)
    await del(s.incoming, 2)
    expect(await redis.client.keys(`${s.keys.namespace}*`)).toEqual([])
  })

  it('two stores of different (clientId, serverUri) pairs never see each other, even when the pairs would join to the same string', async () => {
    const a = createRedisStores({ redis: redis.url, clientId: 'a:b', serverUri: 'c' })
    const b = createRedisStores({ redis: redis.url, clientId: 'a', serverUri: 'b:c' })
    opened.push(a, b)
    await put(a.outgoing, publish(1, 'from a'))
    await put(b.outgoing, publish(1, 'from b'))
    expect(Reflect.get(await get(a.outgoing, 1), 'payload')).toBe('from a')
    expect(Reflect.get(await get(b.outgoing, 1), 'payload')).toBe('from b')
  })

  it('a restarted process sees what the previous one stored, in order', async () => {
    const opts = { redis: redis.url, clientId: 'restart', serverUri: 'mqtt://h:1' }
    const first = createRedisStores(opts)
    for (const id of [4, 2, 9]) await put(first.outgoing, publish(id))
    await put(first.outgoing, pubrel(2))
    await first.close()
    const second = createRedisStores(opts)
    opened.push(second)
    await second.ready()
    expect((await drain(second.outgoing)).map((p) => [p.cmd, p.messageId])).toEqual([['publish', 4], ['pubrel', 2], ['publish', 9]])
  })
})

describe('the connection', () => {
  it('a connection the stores opened is closed by close(); later calls fail with RedisStoreError', async () => {
    const s = createRedisStores({ redis: redis.url, clientId: 'owned', serverUri: 'mqtt://h:1' })
    await s.ready()
    await s.close()
    await expect(put(s.outgoing, publish(1))).rejects.toMatchObject({ name: 'RedisStoreError', operation: 'put' })
  })

  it('an ioredis client passed in stays open after close()', async () => {
    const mine = new Redis(redis.url)
    const s = createRedisStores({ redis: mine, clientId: 'borrowed', serverUri: 'mqtt://h:1' })
    await s.ready()
    await put(s.outgoing, publish(1))
    await s.close()
    expect(mine.status).toBe('ready')
    expect(await mine.hexists(`${s.keys.outgoing.packets}`, '1')).toBe(1)
    mine.disconnect()
  })

  it('calls made before the connection is up wait for it and keep their order', async () => {
    const s = createRedisStores({ redis: redis.url, clientId: 'early', serverUri: 'mqtt://h:1' })
    opened.push(s)
    // No ready(): the connection is still being made when these go out.
    const done = [put(s.outgoing, publish(1)), put(s.outgoing, publish(2)), del(s.outgoing, 1), put(s.outgoing, publish(1, 'later'))]
    await Promise.all(done)
    expect((await drain(s.outgoing)).map((p) => p.messageId)).toEqual([2, 1])
  })
})
