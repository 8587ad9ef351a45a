/**
 * Knowing which stored message a subscriber acknowledges.
 *
 * Aedes keeps no copy of what it sends to a clean-session client, so its
 * `ack` event for such a client carries no packet at all. The tracker fills
 * that gap: it gives each tagged QoS 1/2 delivery its packet id itself (as
 * Aedes' QoSPacket would: the client's next id) and remembers the packet, and
 * the persistence's `outgoingClearMessageId` hands the remembered packet back
 * when Aedes found none, so the `ack` event names the message.
 */
import type { Aedes, Client } from 'aedes'
import { msgIdOf } from './msgid-tag.js'

interface Remembered {
  readonly topic: string
  readonly properties: unknown
}

type Deliver = (packet: Record<string, unknown>, cb: (err?: Error) => void) => void
type ClearMessageId = (client: Client, packet: { messageId?: number }) => Promise<unknown>

export class DeliveryTracker {
  private readonly sent = new WeakMap<Client, Map<number, Remembered>>()

  /** Wrap the client's QoS delivery so tagged packets get a known id. */
  watch(client: Client): void {
    const original: unknown = Reflect.get(client, 'deliverQoS')
    if (typeof original !== 'function') return
    const sent = new Map<number, Remembered>()
    this.sent.set(client, sent)
    const wrapped: Deliver = (packet, cb) => {
      // Persistent sessions need no help: Aedes stores their packets itself.
      if (client.clean && typeof packet.qos === 'number' && packet.qos > 0 && packet.messageId === undefined && msgIdOf(packet) !== null) {
        const next = Reflect.get(client, '_nextId')
        if (typeof next === 'number') {
          Reflect.set(client, '_nextId', next >= 65535 ? 1 : next + 1)
          packet.messageId = next
          sent.set(next, { topic: String(packet.topic), properties: packet.properties })
        }
      }
      ;(original as Deliver).call(client, packet, cb)
    }
    Reflect.set(client, 'deliverQoS', wrapped)
  }

  /** The remembered packet for an acknowledged id, forgotten once taken. */
  take(client: Client, messageId: number | undefined): Remembered | undefined {
    if (messageId === undefined) return undefined
    const sent = this.sent.get(client)
    const r = sent?.get(messageId)
    sent?.delete(messageId)
    return r
  }

  /** Patch the broker's persistence; returns the undo. */
  install(aedes: Aedes): () => void {
    const persistence: unknown = Reflect.get(aedes, 'persistence')
    if (typeof persistence !== 'object' || persistence === null) return () => undefined
    const original: unknown = Reflect.get(persistence, 'outgoingClearMessageId')
    if (typeof original !== 'function') return () => undefined
    const patched: ClearMessageId = async (client, packet) => {
      const found = await (original as ClearMessageId).call(persistence, client, packet)
      return found ?? this.take(client, packet.messageId)
    }
    Reflect.set(persistence, 'outgoingClearMessageId', patched)
    return () => void Reflect.set(persistence, 'outgoingClearMessageId', original)
  }
}
