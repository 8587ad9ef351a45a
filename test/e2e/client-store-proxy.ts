/**
 * A TCP proxy between MQTT clients and a broker that understands MQTT just
 * enough to count packets by type in each direction and to hold back chosen
 * packet types on their way from the broker to the client (PUBACK 4,
 * PUBREC 5, PUBCOMP 7): the client then keeps those messages in flight for
 * as long as the test likes.
 */
import { EventEmitter } from 'node:events'
import { connect, createServer, type Socket } from 'node:net'
import { freePort } from '../../src/redis/embedded.js'

export const PUBLISH = 3
export const PUBACK = 4
export const PUBREC = 5
export const PUBREL = 6
export const PUBCOMP = 7

export type Direction = 'up' | 'down'

export interface AckProxy {
  readonly port: number
  readonly url: string
  /** Broker-to-client packet types to drop from now on (empty: pass everything). */
  hold(types: readonly number[]): void
  /** How many packets of `type` went `up` (client to broker) or arrived `down` (from the broker, dropped or not), over all connections. */
  count(direction: Direction, type: number): number
  /** Resolves once count(direction, type) reaches `n`. */
  waitFor(direction: Direction, type: number, n: number): Promise<void>
  close(): Promise<void>
}

/** Split a byte stream into MQTT packets: a fixed header byte, a variable-length remaining length, the rest. */
function framer(onPacket: (type: number, frame: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0)
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk
    for (;;) {
      let length = 0
      let multiplier = 1
      let at = 1
      let complete = false
      while (at < pending.length && at <= 4) {
        const byte = pending[at++] ?? 0
        length += (byte & 0x7f) * multiplier
        multiplier *= 128
        if ((byte & 0x80) === 0) {
          complete = true
          break
        }
      }
      if (!complete || pending.length < at + length) return
      const frame = pending.subarray(0, at + length)
      pending = pending.subarray(at + length)
      onPacket((frame[0] ?? 0) >> 4, frame)
    }
  }
}

export async function startAckProxy(brokerPort: number): Promise<AckProxy> {
  const port = await freePort()
  let held = new Set<number>()
  const counts = new Map<string, number>()
  const events = new EventEmitter()
  const sockets = new Set<Socket>()
  const bump = (d: Direction, type: number): void => {
    const key = `${d}:${type}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
    events.emit('count')
  }

  const server = createServer((client) => {
    const broker = connect(brokerPort, '127.0.0.1')
    sockets.add(client).add(broker)
    const end = (): void => {
      client.destroy()
      broker.destroy()
    }
    client.on('close', end).on('error', end)
    broker.on('close', end).on('error', end)
    client.on(
      'data',
      framer((type, frame) => {
        bump('up', type)
        broker.write(frame)
      }),
    )
    broker.on(
      'data',
      framer((type, frame) => {
        bump('down', type)
        if (!held.has(type)) client.write(frame)
      }),
    )
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))

  const count = (d: Direction, type: number): number => counts.get(`${d}:${type}`) ?? 0
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    hold(types) {
      held = new Set(types)
    },
    count,
    waitFor(d, type, n) {
      return new Promise((resolve) => {
        const check = (): void => {
          if (count(d, type) < n) return
          events.off('count', check)
          resolve()
        }
        events.on('count', check)
        check()
      })
    },
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
