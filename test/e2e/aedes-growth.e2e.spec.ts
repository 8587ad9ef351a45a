/**
 * Issue item 6, "nothing grows without bound": an Aedes broker on the Redis
 * persistence runs a workload of persistent sessions with wills (MQTT.js
 * clients, and one bare session that acknowledges nothing before it leaves)
 * with QoS 1 and QoS 2 both ways, live and queued while away, overlapping
 * filters, a QoS 2 message going down to a QoS 1 subscription, a retained
 * message set and then removed, and one session ended by reconnecting with
 * a clean session. Once every client has acknowledged, unsubscribed and
 * disconnected cleanly, the keys are exactly those of before the workload.
 *
 * Nothing is excluded from the comparison. Everything the Aedes persistence
 * writes is per session (subscriptions, queue, packet copies, packet
 * identifiers, QoS 2 state, will) or an index whose member goes with the
 * session's last entry. The engine keys that are meant to stay (the publish
 * sequence `idx:seq`, the checkpoint `idx:checkpoint`) are never written
 * here: the Aedes persistence records no stored messages (only
 * `mqtt-redis serve`'s own hooks do), and this broker has no event log.
 */
import { Aedes } from 'aedes'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { createConnection, createServer, type Server } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { aedesPersistence, type RedisPersistence } from '../../src/aedes.js'
import { freePort } from '../../src/redis/embedded.js'
import { createLogger } from '../../src/util/logger.js'
import { useRedis } from '../support/redis.js'
import { eventually } from '../support/serve.js'

const redis = useRedis()
const PREFIX = 'grow:'

let broker: Aedes
let persistence: RedisPersistence
let server: Server
let port: number
const clients: MqttClient[] = []

beforeAll(async () => {
  persistence = aedesPersistence({ redis: redis.url, prefix: PREFIX, sweepIntervalMs: 0, logger: createLogger({ level: 'silent' }) })
  broker = await Aedes.createBroker({ id: 'g1', persistence })
  server = createServer(broker.handle)
  port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
})

afterAll(async () => {
  for (const c of clients) c.end(true)
  await new Promise<void>((r) => server.close(() => r()))
  await new Promise<void>((r) => broker.close(() => r()))
  await persistence.destroy()
})

/** Every key under the prefix, sorted. */
async function keys(): Promise<string[]> {
  return (await redis.client.keys(`${PREFIX}*`)).sort()
}

/**
 * A client whose `message` listener is attached before it connects, so the
 * queued messages a persistent session gets right after CONNACK are not missed.
 */
async function client(clientId: string, opts: IClientOptions = {}): Promise<{ c: MqttClient; got: Array<{ topic: string; payload: string; qos: number }> }> {
  const got: Array<{ topic: string; payload: string; qos: number }> = []
  const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...opts })
  clients.push(c)
  c.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), qos: packet.qos }))
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve())
    c.once('error', reject)
  })
  return { c, got }
}

function will(clientId: string): IClientOptions['will'] {
  return { topic: `growth/will/${clientId}`, payload: Buffer.from(`${clientId} is gone`), qos: 1, retain: false }
}

/**
 * A bare MQTT 3.1.1 persistent session, with a will, that acknowledges
 * nothing the broker sends it (MQTT.js always does), then leaves with a
 * DISCONNECT.
 */
async function silentSession(clientId: string, willTopic: string): Promise<{ disconnect(): Promise<void> }> {
  const str = (s: string): Buffer => {
    const b = Buffer.from(s)
    return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b])
  }
  // Protocol MQTT level 4; flags: will QoS 1 (0x08), will (0x04), not clean; keep alive 60 s.
  const body = Buffer.concat([str('MQTT'), Buffer.from([4, 0x08 | 0x04, 0, 60]), str(clientId), str(willTopic), str(`${clientId} is gone`)])
  if (body.length > 127) throw new Error('CONNECT too long for a one-byte remaining length')
  const socket = createConnection(port, '127.0.0.1')
  socket.write(Buffer.concat([Buffer.from([0x10, body.length]), body]))
  const connack = await new Promise<Buffer>((resolve, reject) => {
    let got = Buffer.alloc(0)
    const onData = (b: Buffer): void => {
      got = Buffer.concat([got, b])
      if (got.length >= 4) {
        socket.off('data', onData)
        resolve(got.subarray(0, 4))
      }
    }
    socket.on('data', onData)
    socket.once('error', reject)
  })
  // CONNACK, session present, accepted.
  expect([...connack]).toEqual([0x20, 0x02, 0x01, 0x00])
  socket.on('data', () => undefined)
  return {
    disconnect: () => new Promise<void>((resolve) => {
      socket.once('close', () => resolve())
      socket.end(Buffer.from([0xe0, 0x00]))
    }),
  }
}

/** Five messages to each topic; growth/q1 alternates QoS 1 and 2 (2 goes down to the subscription's 1 live). */
async function publishBatch(pub: MqttClient, tag: string): Promise<void> {
  for (let i = 1; i <= 5; i++) {
    await pub.publishAsync('growth/q1', `${tag} q1 ${i}`, { qos: i % 2 === 0 ? 2 : 1 })
    await pub.publishAsync('growth/q2/a', `${tag} q2 ${i}`, { qos: 2 })
  }
}

function expected(tag: string): string[] {
  return [1, 2, 3, 4, 5].flatMap((i) => [`${tag} q1 ${i}`, `${tag} q2 ${i}`]).sort()
}

const payloads = (got: ReadonlyArray<{ payload: string }>): string[] => got.map((m) => m.payload).sort()
const queueLength = (clientId: string): Promise<number> => redis.client.zcard(`${PREFIX}session:out:${clientId}`)

describe('Aedes on the Redis persistence leaves nothing behind', () => {
  it('returns to the baseline key set after a workload of persistent sessions, QoS 1/2, retained messages and wills', async () => {
    const calls = {
      putWill: vi.spyOn(persistence, 'putWill'),
      delWill: vi.spyOn(persistence, 'delWill'),
      enqueue: vi.spyOn(persistence, 'outgoingEnqueueCombi'),
      update: vi.spyOn(persistence, 'outgoingUpdate'),
      clear: vi.spyOn(persistence, 'outgoingClearMessageId'),
      inStore: vi.spyOn(persistence, 'incomingStorePacket'),
      inDel: vi.spyOn(persistence, 'incomingDelPacket'),
    }
    const baseline = await keys()
    const baselineSize = await redis.client.dbsize()

    // Wills are published to growth/will/#: none may be, every client leaves cleanly.
    const watcher = await client('watcher')
    await watcher.c.subscribeAsync('growth/will/#', { qos: 1 })

    // keeper's filters overlap (growth/# matches everything the others do): one queue entry, one delivery per message.
    const keeperSubs = { 'growth/q1': { qos: 1 as const }, 'growth/q2/+': { qos: 2 as const }, 'growth/#': { qos: 1 as const } }
    const keeper = await client('keeper', { clean: false, will: will('keeper') })
    await keeper.c.subscribeAsync(keeperSubs)
    const dropper = await client('dropper', { clean: false, will: will('dropper') })
    await dropper.c.subscribeAsync({ 'growth/q1': { qos: 1 }, 'growth/q2/+': { qos: 2 } })
    const pub = await client('pub', { clean: false, will: will('pub') })

    // Live: delivered at once, each copy queued for the session until acknowledged.
    await publishBatch(pub.c, 'live')
    await pub.c.publishAsync('growth/q1', 'retained', { qos: 1, retain: true })
    await eventually(async () => {
      expect(payloads(keeper.got)).toEqual([...expected('live'), 'retained'].sort())
      expect(payloads(dropper.got)).toEqual([...expected('live'), 'retained'].sort())
    })

    // Away: queued in Redis for both sessions.
    await keeper.c.endAsync()
    await dropper.c.endAsync()
    await publishBatch(pub.c, 'away')
    await eventually(async () => {
      expect(await queueLength('keeper')).toBe(10)
      expect(await queueLength('dropper')).toBe(10)
    })
    const peak = await keys()
    for (const k of ['session:out:keeper', 'session:out_packet:keeper', 'session:sub:keeper', 'sub:keeper', 'session:will:pub', 'idx:wills', 'idx:session_wild', 'idx:session_subs', 'idx:session_clients', 'retain:growth/q1']) {
      expect(peak).toContain(`${PREFIX}${k}`)
    }

    // keeper comes back but acknowledges nothing, and leaves: every packet was sent under an identifier.
    const holding = await silentSession('keeper', 'growth/will/keeper')
    await eventually(async () => expect(await redis.client.hlen(`${PREFIX}session:out_msgid:keeper`)).toBe(10))
    await holding.disconnect()
    // Back for good: the same packets again, acknowledged this time.
    const keeper2 = await client('keeper', { clean: false, will: will('keeper') })
    await eventually(async () => expect(payloads(keeper2.got)).toEqual(expected('away')))
    await eventually(async () => expect(await queueLength('keeper')).toBe(0))
    // dropper comes back with a clean session, which discards its queue and subscriptions.
    const dropper2 = await client('dropper', { clean: true, will: will('dropper') })

    await keeper2.c.unsubscribeAsync(Object.keys(keeperSubs))
    await keeper2.c.endAsync()
    await dropper2.c.endAsync()
    // An empty retained message removes the retained one.
    await pub.c.publishAsync('growth/q1', '', { qos: 1, retain: true })
    await pub.c.endAsync()
    await watcher.c.endAsync()

    await eventually(async () => expect(await keys()).toEqual(baseline), 10_000)
    // Nor anything outside the prefix.
    expect(await redis.client.dbsize()).toBe(baselineSize)
    expect(watcher.got).toEqual([])
    expect(dropper2.got).toEqual([])

    // Every path that writes was taken.
    expect(calls.putWill.mock.calls.length).toBeGreaterThanOrEqual(6)
    expect(calls.delWill.mock.calls.length).toBeGreaterThanOrEqual(6)
    expect(calls.enqueue.mock.calls.length).toBeGreaterThanOrEqual(21)
    expect(calls.update.mock.calls.length).toBeGreaterThanOrEqual(50)
    expect(calls.clear.mock.calls.length).toBeGreaterThanOrEqual(40)
    expect(calls.inStore.mock.calls.length).toBeGreaterThanOrEqual(14)
    expect(calls.inDel.mock.calls.length).toBeGreaterThanOrEqual(14)
  }, 30_000)
})
