/**
 * Redis going away under a connected MQTT.js client that uses the Redis
 * stores (attached): nothing is acknowledged or reported as sent that the
 * store did not keep, and what it kept is delivered once Redis is back.
 * A proxy between client and broker counts what the client really sends.
 * Redis here keeps an append-only file, so what was stored before it went
 * down is there again after it comes back.
 */
import mqtt, { type MqttClient } from 'mqtt'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createRedisStores, RedisStoreError, type RedisStores } from '../../src/client-store/index.js'
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded.js'
import { startMosquitto, type Mosquitto } from './client-store-mosquitto.js'
import { PUBCOMP, PUBLISH, PUBREC, PUBREL, startAckProxy, type AckProxy } from './client-store-proxy.js'

let dir: string
let redis: EmbeddedRedis
let broker: Mosquitto
let proxy: AckProxy
const cleanup: Array<() => Promise<unknown>> = []

const stopRedis = (): Promise<void> => redis.stop()
const startRedisAgain = async (): Promise<void> => {
  redis = await startEmbeddedRedis({ dir, port: redis.port })
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'client-store-redis-'))
  redis = await startEmbeddedRedis({ dir })
  broker = await startMosquitto()
  proxy = await startAckProxy(broker.port)
})
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})
afterAll(async () => {
  await proxy?.close()
  await broker?.stop()
  await redis?.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** A client through the proxy with attached Redis stores; resolves once connected. */
async function storedClient(clientId: string, prepare?: (stores: RedisStores) => Promise<void>): Promise<{ client: MqttClient; stores: RedisStores; errors: Error[] }> {
  const stores = createRedisStores({ redis: redis.url, clientId, serverUri: broker.url })
  await stores.ready()
  await prepare?.(stores)
  const client = mqtt.connect(proxy.url, { clientId, clean: false, reconnectPeriod: 100, ...stores.clientOptions })
  stores.attach(client)
  const errors: Error[] = []
  client.on('error', (err) => errors.push(err))
  cleanup.push(() => stores.close(), () => client.endAsync(true))
  return { client, stores, errors }
}

const once = (client: MqttClient, event: 'connect' | 'close'): Promise<void> => new Promise((resolve) => client.once(event, () => resolve()))
const messageOn = (client: MqttClient, topic: string): Promise<string> =>
  new Promise((resolve) => client.on('message', (t, payload) => t === topic && resolve(payload.toString())))

/** A plain client straight to the broker, to publish from. */
async function sender(clientId: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(broker.url, { clientId, reconnectPeriod: 0 })
  cleanup.push(() => c.endAsync())
  return c
}

/** Everything the broker dispatched to `client` before this fence has arrived once the fence has. */
async function fence(client: MqttClient, from: MqttClient, topic: string): Promise<void> {
  await client.subscribeAsync(topic, { qos: 1 })
  const arrived = messageOn(client, topic)
  await from.publishAsync(topic, 'f', { qos: 1 })
  await arrived
}

describe('MQTT.js with the Redis stores when Redis goes away', () => {
  it('a QoS 1 or 2 publish whose put fails is reported failed, and never sent', async () => {
    const { client } = await storedClient('down-pub')
    await once(client, 'connect')
    const sentBefore = proxy.count('up', PUBLISH)
    await stopRedis()
    try {
      for (const qos of [1, 2] as const) {
        const err: unknown = await client.publishAsync('down/pub', `qos${qos}`, { qos }).then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(err).toBeInstanceOf(RedisStoreError)
        expect(String(err)).toMatch(/could not store PUBLISH \d+ in the outgoing store at Redis/)
      }
      expect(proxy.count('up', PUBLISH)).toBe(sentBefore)
    } finally {
      await startRedisAgain()
    }
  })

  it('a QoS 2 message received while Redis is down gets no PUBREC, and arrives once Redis is back', async () => {
    const { client } = await storedClient('down-sub')
    await once(client, 'connect')
    await client.subscribeAsync('down/in', { qos: 2 })
    const got: string[] = []
    client.on('message', (topic, payload) => topic === 'down/in' && got.push(payload.toString()))
    const pubrecs = proxy.count('up', PUBREC)
    await stopRedis()

    const dropped = once(client, 'close')
    const from = await sender('down-sender')
    await from.publishAsync('down/in', 'precious', { qos: 2 })
    await dropped
    expect(proxy.count('up', PUBREC)).toBe(pubrecs)
    expect(got).toEqual([])

    const delivered = messageOn(client, 'down/in')
    await startRedisAgain()
    expect(await delivered).toBe('precious')
    await fence(client, from, 'down/in-fence')
    expect(got).toEqual(['precious'])
  })

  it('a PUBREL that arrives while Redis is down gets no PUBCOMP, and its message is delivered once Redis is back', async () => {
    const { client } = await storedClient('down-rel')
    await once(client, 'connect')
    await client.subscribeAsync('down/rel', { qos: 2 })
    const got: string[] = []
    client.on('message', (topic, payload) => topic === 'down/rel' && got.push(payload.toString()))

    // Stored and PUBREC'd while Redis is up; the broker's PUBREL is held back.
    proxy.hold([PUBREL])
    const pubrels = proxy.count('down', PUBREL)
    const from = await sender('rel-sender')
    await from.publishAsync('down/rel', 'released later', { qos: 2 })
    await proxy.waitFor('down', PUBREL, pubrels + 1)
    const pubcomps = proxy.count('up', PUBCOMP)

    // Redis goes; the connection drops; on the next one the broker sends PUBREL again.
    await stopRedis()
    proxy.hold([])
    const dropped = once(client, 'close')
    client.stream.destroy()
    await dropped
    await proxy.waitFor('down', PUBREL, pubrels + 2)
    if (client.connected) await once(client, 'close') // the store failed, so this connection goes too
    expect(proxy.count('up', PUBCOMP)).toBe(pubcomps)
    expect(got).toEqual([])

    const delivered = messageOn(client, 'down/rel')
    await startRedisAgain()
    expect(await delivered).toBe('released later')
    await fence(client, from, 'down/rel-fence')
    expect(got).toEqual(['released later'])
  })

  it('when the store cannot be read after CONNACK, the client reconnects and resends what it holds once Redis is back', async () => {
    const watcher = await sender('replay-watcher')
    await watcher.subscribeAsync('down/replay', { qos: 1 })
    const seen = messageOn(watcher, 'down/replay')
    // A message a crashed process left in the store.
    const { client, errors } = await storedClient('down-replay', async (stores) => {
      await new Promise<void>((resolve, reject) =>
        stores.outgoing.put({ cmd: 'publish', topic: 'down/replay', payload: Buffer.from('left behind'), qos: 1, retain: false, dup: false, messageId: 1 }, (err) => (err ? reject(err) : resolve())),
      )
      await stopRedis()
    })
    await once(client, 'close')
    expect(errors.some((e) => e instanceof RedisStoreError && e.operation === 'stream')).toBe(true)

    const connected = once(client, 'connect') // MQTT.js emits it once the replay is through
    await startRedisAgain()
    await connected
    expect(await seen).toBe('left behind')
  })
})
