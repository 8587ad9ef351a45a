/**
 * The crash test of the MQTT.js client store: in-flight QoS 1/2 messages
 * survive a SIGKILL of the publishing process and are delivered after it
 * restarts with the same store.
 *
 *   publisher process --(proxy: holds back PUBACK/PUBREC/PUBCOMP)--> mosquitto <-- subscriber
 *          |
 *        Redis (this file's redis-server)
 *
 * 1. Every ack held back, the publisher sends QoS 2 #6-20, then QoS 1 #1-20.
 *    The broker gets them all; not one ack comes back.
 * 2. Only PUBCOMP held back, it sends QoS 2 #1-5: they reach PUBREL, so the
 *    store holds PUBRELs too. Then the process is killed (SIGKILL).
 * 3. Acks pass again. A new process with the same client id and store
 *    publishes QoS 1 #21-25 and QoS 2 #21-25 at once, before CONNACK, and
 *    MQTT.js resends what the store holds. The QoS 2 messages that hold the
 *    lowest ids are the undelivered ones: a provider that handed out a
 *    stored id here (MQTT.js' UniqueMessageIdProvider takes 1, 2, ...) would
 *    overwrite them and this test would see them missing.
 * Then every QoS 1 number arrived at least once, every QoS 2 number exactly
 * once, and the store is empty.
 */
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clientStoreKeys, createRedisStores, decodePacket } from '../../src/client-store/index.js'
import { useRedis } from '../support/redis.js'
import { startMosquitto, type Mosquitto } from './client-store-mosquitto.js'
import { startPublisher, type Publisher, type PublisherConfig } from './client-store-process.js'
import { PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL, startAckProxy, type AckProxy } from './client-store-proxy.js'

const redis = useRedis()
let broker: Mosquitto
let proxy: AckProxy
let subscriber: MqttClient
/** "topic payload" -> how many times it arrived. */
const arrivals = new Map<string, number>()
const arrived = (topic: string, payload: string | number): number => arrivals.get(`${topic} ${payload}`) ?? 0
const publishers: Publisher[] = []
const publisher = (config: PublisherConfig): Publisher => {
  const p = startPublisher(config)
  publishers.push(p)
  return p
}

beforeAll(async () => {
  broker = await startMosquitto()
  proxy = await startAckProxy(broker.port)
  subscriber = await mqtt.connectAsync(broker.url, { clientId: 'crash-subscriber', clean: true, reconnectPeriod: 0 })
  subscriber.on('message', (topic, payload) => {
    const key = `${topic} ${payload.toString()}`
    arrivals.set(key, (arrivals.get(key) ?? 0) + 1)
  })
  await subscriber.subscribeAsync('crash/#', { qos: 2 })
})

afterAll(async () => {
  for (const p of publishers) await p.kill('SIGKILL') // a no-op for those that exited
  await subscriber?.endAsync()
  await proxy?.close()
  await broker?.stop()
})

/** Everything the broker dispatched to the subscriber before this fence has arrived once the fence has. */
async function fence(topic: string): Promise<void> {
  const through = new Promise<void>((resolve) => subscriber.on('message', (t) => t === topic && resolve()))
  await subscriber.publishAsync(topic, 'f', { qos: 1 })
  await through
}

type Msg = { readonly qos: 1 | 2; readonly n: number }
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i)
const lines = (word: string, ms: readonly Msg[]): string[] => ms.map((m) => `${word} q${m.qos} ${m.n}`)

describe('MQTT.js with the Redis client store, publisher killed mid-flight', () => {
  it('delivers every QoS 1 message at least once and every QoS 2 message exactly once after a restart, and empties the store', async () => {
    const clientId = 'crash-publisher'
    const base = { broker: proxy.url, redis: redis.url, clientId, serverUri: broker.url }
    const keys = clientStoreKeys({ clientId, serverUri: broker.url })

    // 1. Nothing acknowledged; the broker receives everything.
    proxy.hold([PUBACK, PUBREC, PUBCOMP])
    const first = publisher({ ...base, publish: [] })
    await first.waitForLines(['connected'])
    const unacked: Msg[] = [...range(6, 20).map((n): Msg => ({ qos: 2, n })), ...range(1, 20).map((n): Msg => ({ qos: 1, n }))]
    first.send(JSON.stringify(unacked))
    await first.waitForLines(lines('stored', unacked))
    await proxy.waitFor('up', PUBLISH, unacked.length)
    await proxy.waitFor('down', PUBREC, 15) // dropped, all of them, before PUBREC may pass below

    // 2. QoS 2 #1-5 up to PUBREL, then kill.
    proxy.hold([PUBACK, PUBCOMP])
    const released: Msg[] = range(1, 5).map((n) => ({ qos: 2, n }))
    first.send(JSON.stringify(released))
    await proxy.waitFor('up', PUBREL, 5)
    await first.kill('SIGKILL')
    expect(first.lines.filter((l) => l.startsWith('acked'))).toEqual([])

    const left = await redis.client.zrange(keys.outgoing.order, 0, -1)
    expect(left).toHaveLength(40)
    const packets = await redis.client.hmgetBuffer(keys.outgoing.packets, ...left)
    const cmds = packets.map((b) => (b ? decodePacket(b).cmd : 'missing'))
    expect(cmds.filter((c) => c === 'pubrel')).toHaveLength(5)
    expect(cmds.filter((c) => c === 'publish')).toHaveLength(35)

    // 3. Restart with acks passing; publish more before CONNACK.
    proxy.hold([])
    const fresh: Msg[] = range(21, 25).flatMap((n): Msg[] => [{ qos: 1, n }, { qos: 2, n }])
    const second = publisher({ ...base, publish: fresh })
    await second.waitForLines(['connected', ...lines('acked', fresh)])
    expect(second.lines.filter((l) => l.startsWith('failed') || l.startsWith('error'))).toEqual([])
    second.send('end')
    expect(await second.exited).toBe(0)

    await fence('crash/fence-1')
    const q1Missing = range(1, 25).filter((n) => arrived('crash/q1', n) < 1)
    const q2NotOnce = range(1, 25).filter((n) => arrived('crash/q2', n) !== 1).map((n) => `${n}x${arrived('crash/q2', n)}`)
    expect(q1Missing).toEqual([])
    expect(q2NotOnce).toEqual([])
    const strays = [...arrivals.keys()].filter((k) => !/^crash\/(q1|q2) \d+$|^crash\/fence-1 /.test(k))
    expect(strays).toEqual([])
    expect(await redis.client.keys(`${keys.namespace}*`)).toEqual([])
    // The proxy saw the first run's acks held back, and the second run's go through.
    expect(proxy.count('down', PUBREC)).toBeGreaterThanOrEqual(20)
  })
  it('a QoS 2 publish made just after CONNACK, while stored packets are being resent, arrives exactly once', async () => {
    const clientId = 'gap-publisher'
    const stores = createRedisStores({ redis: redis.url, clientId, serverUri: broker.url })
    await stores.ready()
    // Ten QoS 1 messages a crashed process left behind: the resend after CONNACK takes ten round trips.
    for (const n of range(1, 10)) {
      const packet = { cmd: 'publish' as const, topic: 'crash/gap-old', payload: String(n), qos: 1 as const, retain: false, dup: false, messageId: n }
      await new Promise<void>((resolve, reject) => stores.outgoing.put(packet, (err) => (err ? reject(err) : resolve())))
    }
    const client = mqtt.connect(broker.url, { clientId, clean: false, reconnectPeriod: 0, ...stores.clientOptions })
    stores.attach(client)
    const acked: Array<Promise<unknown>> = []
    const publish = (payload: string): void => void acked.push(client.publishAsync('crash/gap-new', payload, { qos: 2 }))
    // One publish as soon as MQTT.js has handled CONNACK (a microtask later), one a turn of the event loop later.
    client.on('packetreceive', (packet) => {
      if (packet.cmd !== 'connack') return
      queueMicrotask(() => publish('microtask'))
      setImmediate(() => publish('immediate'))
    })
    await new Promise<void>((resolve) => client.once('connect', () => resolve())) // emitted once the resend is through
    await Promise.all(acked)
    await client.endAsync()

    await fence('crash/fence-2')
    expect(range(1, 10).filter((n) => arrived('crash/gap-old', n) < 1)).toEqual([])
    expect([arrived('crash/gap-new', 'microtask'), arrived('crash/gap-new', 'immediate')]).toEqual([1, 1])
    expect(await redis.client.keys(`${stores.keys.namespace}*`)).toEqual([])
  })
})
