/**
 * The restart hazard the message-id provider exists for, shown with a real
 * MQTT.js client: after a restart with packets 1 and 2 stored, a publish
 * made before CONNACK is put into the store at once. With MQTT.js'
 * UniqueMessageIdProvider it takes id 1 and overwrites stored packet 1; with
 * the store's provider it takes a free id and both old packets stay.
 * No broker is needed: nothing listens on the port, so CONNACK never comes.
 */
import mqtt, { UniqueMessageIdProvider, type IClientOptions, type MqttClient } from 'mqtt'
import { describe, expect, it } from 'vitest'
import { createRedisStores, type RedisStores } from '../../../src/client-store/index.js'
import { freePort } from '../../../src/redis/embedded.js'
import { useRedis } from '../../support/redis.js'
import { drain, publish, put } from '../../unit/client-store/store-contract.js'

const redis = useRedis()

/** Stores left by a process that died with publishes 1 and 2 in flight. */
async function leftovers(clientId: string): Promise<RedisStores> {
  const stores = createRedisStores({ redis: redis.url, clientId, serverUri: 'mqtt://nowhere' })
  await stores.ready()
  await put(stores.outgoing, publish(1, 'old-1'))
  await put(stores.outgoing, publish(2, 'old-2'))
  return stores
}

/** A client that never reaches a broker, publishing once with QoS 1; resolves when the store took the packet. */
async function publishOffline(stores: RedisStores, clientId: string, messageIdProvider: IClientOptions['messageIdProvider']): Promise<MqttClient> {
  const port = await freePort()
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId, clean: false, reconnectPeriod: 0, incomingStore: stores.incoming, outgoingStore: stores.outgoing, messageIdProvider })
  client.on('error', () => undefined) // ECONNREFUSED, expected
  await new Promise<void>((resolve) => client.publish('t/new', 'new', { qos: 1, cbStorePut: () => resolve() }))
  return client
}

const payloads = async (s: RedisStores): Promise<unknown[]> => (await drain(s.outgoing)).map((p) => [p.messageId, Reflect.get(p, 'payload')])

describe('a publish before CONNACK after a restart', () => {
  it("with MQTT.js' UniqueMessageIdProvider, overwrites stored packet 1 (the hazard)", async () => {
    const stores = await leftovers('unique')
    const client = await publishOffline(stores, 'unique', new UniqueMessageIdProvider())
    expect(await payloads(stores)).toEqual([[1, 'new'], [2, 'old-2']])
    client.end(true)
  })

  it("with the store's provider, takes a free id and keeps both stored packets", async () => {
    const stores = await leftovers('fixed')
    const client = await publishOffline(stores, 'fixed', stores.messageIdProvider)
    expect(await payloads(stores)).toEqual([[1, 'old-1'], [2, 'old-2'], [3, 'new']])
    client.end(true)
  })

  it('without ready(), the first publish throws instead of guessing an id', async () => {
    const stores = createRedisStores({ redis: redis.url, clientId: 'hasty', serverUri: 'mqtt://nowhere' })
    const port = await freePort()
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: 'hasty', reconnectPeriod: 0, ...stores.clientOptions })
    client.on('error', () => undefined)
    expect(() => client.publish('t', 'x', { qos: 1 })).toThrow(/await stores.ready\(\)/)
    client.end(true)
  })
})
