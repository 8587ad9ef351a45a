/**
 * Redis going away under the store: every call fails at once, through its
 * callback, with a RedisStoreError saying what was not stored; nothing is
 * reported as stored; once Redis is back the same stores work again.
 */
import mqtt from 'mqtt'
import { describe, expect, it } from 'vitest'
import { createRedisStores, MissingPacketError, RedisStoreError } from '../../../src/client-store/index.js'
import { freePort } from '../../../src/redis/embedded.js'
import { useRedis } from '../../support/redis.js'
import { eventually } from '../../support/serve.js'
import { del, drain, get, publish, put } from '../../unit/client-store/store-contract.js'

const redis = useRedis()

/** How long a promise took to settle, and how. */
async function timed<T>(p: Promise<T>): Promise<{ ms: number; error: unknown }> {
  const t0 = Date.now()
  try {
    await p
    return { ms: Date.now() - t0, error: undefined }
  } catch (error) {
    return { ms: Date.now() - t0, error }
  }
}

describe('when Redis is unavailable', () => {
  it('ready() rejects with a RedisStoreError when nothing listens at the URL', async () => {
    const port = await freePort()
    const stores = createRedisStores({ redis: `redis://127.0.0.1:${port}`, clientId: 'c', serverUri: 'mqtt://h:1' })
    const r = await timed(stores.ready())
    expect(r.error).toBeInstanceOf(RedisStoreError)
    expect(String(r.error)).toMatch(/could not list the stored message ids in the outgoing store at Redis 127\.0\.0\.1:\d+: .*ECONNREFUSED/)
    await stores.close()
  })

  it('put, get, del and createStream fail fast with RedisStoreError, and work again once Redis is back', async () => {
    const stores = createRedisStores({ redis: redis.url, clientId: 'down', serverUri: 'mqtt://h:1' })
    await stores.ready()
    await put(stores.outgoing, publish(1, 'kept'))

    await redis.stop()
    const putting = await timed(put(stores.outgoing, publish(2)))
    expect(putting.error).toBeInstanceOf(RedisStoreError)
    expect(putting.error).toMatchObject({ operation: 'put', side: 'outgoing' })
    expect(String(putting.error)).toMatch(/could not store PUBLISH 2 in the outgoing store at Redis 127\.0\.0\.1:\d+: /)
    expect(putting.ms).toBeLessThan(1000)

    const getting = await timed(get(stores.incoming, 1))
    expect(getting.error).toBeInstanceOf(RedisStoreError)
    expect(getting.error).not.toBeInstanceOf(MissingPacketError)
    expect((await timed(del(stores.outgoing, 1))).error).toMatchObject({ name: 'RedisStoreError', operation: 'del' })
    expect((await timed(drain(stores.outgoing))).error).toMatchObject({ name: 'RedisStoreError', operation: 'stream' })

    await redis.restart()
    await eventually(() => put(stores.outgoing, publish(3)), 10_000)
    // This test's redis-server keeps nothing on disk, so packet 1 went with it; 2 was never stored.
    expect((await drain(stores.outgoing)).map((p) => p.messageId)).toEqual([3])
    await stores.close()
  })

  it('a put that failed leaves its id free for the provider; a stored id stays taken', async () => {
    const stores = createRedisStores({ redis: redis.url, clientId: 'ids', serverUri: 'mqtt://h:1' })
    await eventually(() => stores.ready(), 10_000)
    const first = stores.messageIdProvider.allocate()
    expect(first).toBe(1)
    await put(stores.outgoing, publish(1))
    await redis.stop()
    const second = stores.messageIdProvider.allocate()
    expect(second).toBe(2)
    await expect(put(stores.outgoing, publish(2))).rejects.toBeInstanceOf(RedisStoreError)
    stores.messageIdProvider.deallocate(2)
    stores.messageIdProvider.clear()
    // 1 is stored: never handed out. 2 was never stored: free again after a wrap-around.
    const all = new Set(Array.from({ length: 65534 }, () => stores.messageIdProvider.allocate()))
    expect(all.has(1)).toBe(false)
    expect(all.has(2)).toBe(true)
    await redis.restart()
    await stores.close()
  })

  it('a publish made while the client is offline and Redis is down is reported failed, and leaves nothing pending', async () => {
    const stores = createRedisStores({ redis: redis.url, clientId: 'offline', serverUri: 'mqtt://nowhere' })
    await eventually(() => stores.ready(), 10_000)
    const port = await freePort() // nothing listens: the client stays offline
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: 'offline', clean: false, reconnectPeriod: 0, ...stores.clientOptions })
    client.on('error', () => undefined)
    stores.attach(client)
    await redis.stop()
    await expect(client.publishAsync('t', 'x', { qos: 1 })).rejects.toBeInstanceOf(RedisStoreError)
    expect(Object.keys(client.outgoing)).toEqual([])
    client.end(true)
    await redis.restart()
  })
})
