/**
 * A persistent session coming back while QoS 1 messages are published must
 * not be thrown out with "no such packet".
 *
 * Aedes' connect sequence subscribes the returning session (restoreSubs)
 * before it reads the session's queue (emptyQueue, through outgoingStream).
 * A message published in between is queued for the session and also sent
 * live on the new connection; the queue read holds it too, so Aedes sends it
 * a second time when it works through the queue, calling outgoingUpdate
 * first. When the PUBACK of the live copy has already removed the packet by
 * then, outgoingUpdate finds nothing. Rejecting that call ("no such packet")
 * makes Aedes close the subscriber's connection (`mqtt-redis simulate` saw
 * it about once in 200 publishes: each outgoingUpdate of the queue is a
 * Redis round trip, so a queue of a few dozen packets takes long enough for
 * the live copy to be acknowledged first).
 *
 * The test makes that interleaving certain instead of likely: the message is
 * published right when Aedes asks for the queue, and the queue's copy goes
 * to outgoingUpdate only after the live copy has been acknowledged.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngine } from '../../../src/engine/engine.js'
import type { Engine } from '../../../src/engine/engine-types.js'
import { startAedesBroker, type HostedBroker } from '../../../src/hosts/aedes/broker.js'
import { createLogger } from '../../../src/util/logger.js'
import { useRedis } from '../../support/redis.js'
import { eventually } from '../../support/serve.js'

const redis = useRedis()
const PREFIX = 'ovl:'
const KEEPER = 'keeper'

let engine: Engine
let broker: HostedBroker
const clients: MqttClient[] = []

beforeAll(async () => {
  engine = createEngine({ redis: redis.url, prefix: PREFIX, node: 'ovl', sweepIntervalMs: 0, logger: createLogger({ level: 'silent' }) })
  await engine.ready
  broker = await startAedesBroker(engine, { port: 0, host: '127.0.0.1' })
})

afterAll(async () => {
  for (const c of clients) c.end(true)
  await broker.close()
  await engine.close()
})

interface Received { readonly topic: string; readonly payload: string }

/** An MQTT.js client, its `message` listener attached before it connects (queued messages come right after CONNACK). */
async function connect(clientId: string, opts: IClientOptions = {}): Promise<{ c: MqttClient; got: Received[] }> {
  const got: Received[] = []
  const c = mqtt.connect(`mqtt://127.0.0.1:${broker.port}`, { clientId, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...opts })
  clients.push(c)
  c.on('message', (topic, payload) => got.push({ topic, payload: payload.toString() }))
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve())
    c.once('error', reject)
  })
  return { c, got }
}

type Packet = Record<string, unknown>
type Client = { readonly id: string }
interface OutgoingCalls {
  outgoingEnqueueCombi(subs: ReadonlyArray<{ clientId: string; topic: string; qos: 1 }>, packet: Packet): Promise<void>
  outgoingStream(client: Client): Readable
  outgoingUpdate(client: Client, packet: Packet): Promise<void>
  outgoingClearMessageId(client: Client, packet: { messageId: number }): Promise<Packet | undefined>
}

/** The broker's persistence, whose outgoing calls the test wraps (set on the object, as the delivery tracker does). */
function persistenceOf(b: HostedBroker): OutgoingCalls {
  const p: unknown = Reflect.get(b.aedes, 'persistence')
  if (typeof p !== 'object' || p === null) throw new Error('the broker has no persistence')
  return p as OutgoingCalls
}

const queueLength = (clientId: string): Promise<number> => redis.client.zcard(`${PREFIX}session:out:${clientId}`)

describe('a persistent session reconnecting while messages are published', () => {
  it('keeps its connection when a packet of its queue was acknowledged live before Aedes reaches it in the queue', async () => {
    const aedes = broker.aedes
    const errors: string[] = []
    aedes.on('clientError', (client, err) => {
      if (client.id === KEEPER) errors.push(err.message)
    })

    // The session: subscribed at QoS 1, then away (DISCONNECT), as `simulate`'s subscribers do.
    const first = await connect(KEEPER, { clean: false })
    await first.c.subscribeAsync('ovl/#', { qos: 1 })
    await first.c.endAsync()

    // Queued while it is away.
    const pub = await connect('publisher')
    for (let i = 1; i <= 3; i++) await pub.c.publishAsync(`ovl/queued/${i}`, `queued ${i}`, { qos: 1 })
    await eventually(async () => expect(await queueLength(KEEPER)).toBe(3))

    // The live copy of ovl/live acknowledged by the session (Aedes' `ack` event comes once it is cleared).
    let liveAcked: () => void = () => undefined
    const acked = new Promise<void>((r) => (liveAcked = r))
    aedes.on('ack', (packet, client) => {
      if (client?.id === KEEPER && packet !== undefined && 'topic' in packet && packet.topic === 'ovl/live') liveAcked()
    })

    const persistence = persistenceOf(broker)
    const stream = persistence.outgoingStream.bind(persistence)
    const update = persistence.outgoingUpdate.bind(persistence)
    let armed = true
    // At the reconnect, Aedes has subscribed the session already: publish now, so the
    // message is queued (and in the queue Aedes reads next) and sent live.
    Reflect.set(persistence, 'outgoingStream', (client: Client): Readable => {
      if (client.id !== KEEPER || !armed) return stream(client)
      armed = false
      const published = new Promise<void>((resolve, reject) =>
        aedes.publish({ cmd: 'publish', topic: 'ovl/live', payload: Buffer.from('live'), qos: 1, retain: false, dup: false }, (err) => (err ? reject(err) : resolve())),
      )
      return streamAfter(published, () => stream(client))
    })
    // Aedes' second outgoingUpdate of ovl/live (the queue's copy) waits for the live copy's PUBACK.
    const updates = new Map<string, number>()
    let queueCopy: Promise<void> | null = null
    Reflect.set(persistence, 'outgoingUpdate', (client: Client, packet: Packet): Promise<void> => {
      if (client.id !== KEEPER || packet['topic'] !== 'ovl/live') return update(client, packet)
      const key = `${String(packet['brokerId'])}:${String(packet['brokerCounter'])}`
      const n = (updates.get(key) ?? 0) + 1
      updates.set(key, n)
      if (n !== 2) return update(client, packet)
      queueCopy = acked.then(() => update(client, packet))
      return queueCopy
    })

    try {
      const back = await connect(KEEPER, { clean: false })
      await eventually(async () => {
        expect(back.got.map((m) => m.topic)).toEqual(expect.arrayContaining(['ovl/queued/1', 'ovl/queued/2', 'ovl/queued/3', 'ovl/live']))
        expect(queueCopy).not.toBeNull()
      })
      // Whatever the queue's copy came to, it has been handled (and, sent again, acknowledged).
      await (queueCopy as Promise<void> | null)?.catch(() => undefined)
      await eventually(async () => expect(await queueLength(KEEPER)).toBe(0))
      await new Promise((r) => setTimeout(r, 100))

      expect(errors).toEqual([])
      expect(back.c.connected).toBe(true)
      // Each message at least once; ovl/live may come twice (live, and from the queue).
      const topics = back.got.map((m) => m.topic)
      expect(topics.filter((t) => t.startsWith('ovl/queued/'))).toEqual(['ovl/queued/1', 'ovl/queued/2', 'ovl/queued/3'])
      expect(await redis.client.hlen(`${PREFIX}session:out_packet:${KEEPER}`)).toBe(0)
      await back.c.endAsync()
    } finally {
      Reflect.deleteProperty(persistence, 'outgoingStream')
      Reflect.deleteProperty(persistence, 'outgoingUpdate')
    }
  })
})

describe('outgoingStream', () => {
  it('leaves out a packet acknowledged after Aedes started reading the queue, before it got to it', async () => {
    const persistence = persistenceOf(broker)
    const client = { id: 'reader' }
    const sub = { clientId: client.id, topic: 'read/#', qos: 1 as const }
    const packet = (n: number): Packet => ({ cmd: 'publish', topic: `read/${n}`, payload: Buffer.from(String(n)), qos: 1, retain: false, dup: false, brokerId: 'ovl', brokerCounter: n })
    const total = 48
    for (let n = 1; n <= total; n++) await persistence.outgoingEnqueueCombi([sub], packet(n))
    // The last one was sent (it has its packet identifier) ...
    await persistence.outgoingUpdate(client, { ...packet(total), messageId: 7 })

    const read = persistence.outgoingStream(client)[Symbol.asyncIterator]()
    const topics: string[] = []
    const first = await read.next()
    topics.push(String((first.value as Packet)['topic']))
    // ... and is acknowledged while the queue is being read, long before its turn.
    expect(await persistence.outgoingClearMessageId(client, { messageId: 7 })).toMatchObject({ topic: `read/${total}` })
    for (let r = await read.next(); r.done !== true; r = await read.next()) topics.push(String((r.value as Packet)['topic']))

    expect(topics).toEqual(Array.from({ length: total - 1 }, (_, i) => `read/${i + 1}`))
  })
})

/** A stream that opens `open()` once `before` has settled, and passes its packets on. */
function streamAfter(before: Promise<void>, open: () => Readable): Readable {
  async function* packets(): AsyncGenerator<Packet> {
    await before
    for await (const p of open()) yield p as Packet
  }
  return Readable.from(packets())
}
