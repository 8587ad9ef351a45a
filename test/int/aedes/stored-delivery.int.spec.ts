/**
 * Messages the engine delivers from Redis (fetched for a new subscription)
 * must never make Aedes drop a live delivery. Aedes keeps, per client, the
 * last packet counter it delivered from each brokerId and drops anything
 * older (its duplicate check); a stored delivery that took the broker's next
 * counter made every live message still on its way with an older counter
 * vanish: acknowledged to its publisher, never delivered (found by the soak).
 */
import { Aedes } from 'aedes'
import { createServer, type Server } from 'node:net'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aedesHost } from '../../../src/hosts/aedes/aedes-host.js'
import { eventually } from '../../support/serve.js'

let aedes: Aedes
let server: Server
let client: MqttClient
const got: string[] = []

beforeAll(async () => {
  aedes = await Aedes.createBroker()
  server = createServer(aedes.handle)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const a = server.address()
  const port = typeof a === 'object' && a !== null ? a.port : 0
  client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'sub-1', reconnectPeriod: 0 })
  client.on('message', (_t, payload) => void got.push(payload.toString()))
  await client.subscribeAsync('t/1', { qos: 1 })
})
afterAll(async () => {
  client?.end(true)
  server?.close()
  await new Promise<void>((r) => aedes.close(() => r()))
})

describe('a delivery from Redis beside live traffic', () => {
  it('does not shadow a live message that was routed before it and reaches the client after it', async () => {
    // A live message with the broker's current counter, routed (as Aedes routes a PUBLISH) only after the stored one went out.
    const counter = Reflect.get(aedes, 'counter') as number
    Reflect.set(aedes, 'counter', counter + 1)
    const live = { cmd: 'publish', topic: 't/1', payload: Buffer.from('live'), qos: 1, retain: false, dup: false, brokerId: aedes.id, brokerCounter: counter + 1 }
    await aedesHost(aedes, () => undefined).deliver('sub-1', [{ topic: 't/1', payload: Buffer.from('stored'), qos: 1, retain: false }])
    const mq = Reflect.get(aedes, 'mq') as { emit(packet: unknown, cb: () => void): void }
    await new Promise<void>((r) => mq.emit(live, r))
    await eventually(async () => expect([...got].sort()).toEqual(['live', 'stored']))
  })
})
