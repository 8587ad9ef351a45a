/**
 * End to end: an Aedes broker on a free port with one persistence, and 100
 * mqtt.js clients publishing QoS 1 messages to it, over a fixed number of
 * messages. Two clocks:
 * - PUBACKs: stopped at the last PUBACK. Aedes 1.2 writes a QoS 1 PUBACK
 *   before it publishes the message (lib/handlers/publish.js), so this one
 *   sees the persistence only through backpressure.
 * - handled: stopped once, in addition, the broker has finished every
 *   message: its 'publish' event, which Aedes emits after the persistence
 *   steps of a QoS 1 message (subscriptionsByTopic, then
 *   outgoingEnqueueCombi with the offline sessions it found).
 *
 * With `offlineSubscriber`, one persistent session (clean: false) subscribes
 * to `bench/e2e/#` at QoS 1 and goes away first, so every message is also
 * queued for it: one stored packet per message.
 */
import { Aedes } from 'aedes'
import mqtt, { type MqttClient } from 'mqtt'
import { createServer, type AddressInfo } from 'node:net'
import { elapsedMs, payloadOf, type BenchPersistence } from './common.js'

export interface E2eOptions {
  readonly messages: number
  /** Messages sent first, not timed. */
  readonly warmup: number
  readonly clients: number
  /** QoS 1 publishes each client keeps waiting for their PUBACK. */
  readonly window: number
  readonly payloadBytes: number
  readonly offlineSubscriber: boolean
}

export interface E2eResult {
  readonly messages: number
  /** Until the last PUBACK. */
  readonly ackMs: number
  readonly acksPerSecond: number
  /** Until the last PUBACK and the broker's last 'publish' event. */
  readonly handledMs: number
  readonly handledPerSecond: number
  /** Packets the measured run queued for the offline session (when there is one and a count was given), read from the persistence's own Redis keys. */
  readonly queued: number | null
}

function connect(port: number, clientId: string, clean: boolean): Promise<MqttClient> {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId, clean, reconnectPeriod: 0, keepalive: 0 })
}

async function endAll(clients: readonly MqttClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.endAsync()))
}

export async function runE2e(persistence: BenchPersistence, opts: E2eOptions, countQueued: (() => Promise<number>) | null): Promise<E2eResult> {
  const broker = await Aedes.createBroker({ id: 'bench-e2e', persistence })
  const server = createServer(broker.handle)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const publishers: MqttClient[] = []
  try {
    if (opts.offlineSubscriber) {
      const sub = await connect(port, 'bench-offline-sub', false)
      await sub.subscribeAsync('bench/e2e/#', { qos: 1 })
      const gone = new Promise<void>((r) => broker.once('clientDisconnect', () => r()))
      await sub.endAsync()
      await gone
    }
    for (let i = 0; i < opts.clients; i++) publishers.push(await connect(port, `bench-pub-${i}`, true))

    const payload = payloadOf(opts.payloadBytes)
    let handled = 0
    let handledTarget = Infinity
    let onAllHandled: (() => void) | null = null
    broker.on('publish', (packet: { topic: string }, client: unknown) => {
      if (client === null || !packet.topic.startsWith('bench/e2e/')) return
      if (++handled === handledTarget) onAllHandled?.()
    })
    /** Every publisher sends `perClient` messages, `window` at a time; both clocks in ms. */
    const phase = async (perClient: number): Promise<{ acked: number; ackMs: number; handledMs: number }> => {
      handled = 0
      handledTarget = perClient * publishers.length
      const allHandled = new Promise<void>((r) => (onAllHandled = r))
      let acked = 0
      const publishLoop = async (c: MqttClient, index: number): Promise<void> => {
        let next = 0
        const worker = async (): Promise<void> => {
          while (next < perClient) {
            next++
            await c.publishAsync(`bench/e2e/${index}`, payload, { qos: 1 })
            acked++
          }
        }
        await Promise.all(Array.from({ length: opts.window }, worker))
      }
      const t0 = process.hrtime.bigint()
      await Promise.all(publishers.map(publishLoop))
      const ackMs = elapsedMs(t0)
      await allHandled
      return { acked, ackMs, handledMs: elapsedMs(t0) }
    }
    // Warm-up (the same messages, not timed), then the measured run.
    const warm = await phase(Math.max(1, Math.ceil(opts.warmup / opts.clients)))
    const run = await phase(Math.ceil(opts.messages / opts.clients))
    const queued = opts.offlineSubscriber && countQueued !== null ? (await countQueued()) - warm.acked : null
    return {
      messages: run.acked,
      ackMs: run.ackMs,
      acksPerSecond: (run.acked / run.ackMs) * 1000,
      handledMs: run.handledMs,
      handledPerSecond: (run.acked / run.handledMs) * 1000,
      queued,
    }
  } finally {
    await endAll(publishers)
    await new Promise<void>((r) => broker.close(() => r()))
    await new Promise<void>((r) => server.close(() => r()))
    await persistence.destroy()
  }
}
