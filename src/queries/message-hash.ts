/**
 * Reading the message hashes the projections write ({id, from, qos, topic,
 * retain, payload, ts}, as EMQX lays out `mqtt:retain:*` and `mqtt:msg:*`).
 */
import type { QoS } from '../events/input.js'

export interface MessageHash {
  readonly id: string
  readonly from: string
  readonly topic: string
  readonly qos: QoS
  readonly payload: Buffer
  /** Unix seconds of the publish. */
  readonly ts: number
}

/** Decode a hash read with HGETALL (as buffers); null when it is gone or incomplete. */
export function decodeMessageHash(h: Record<string, Buffer>): MessageHash | null {
  const topic = h['topic']?.toString('utf8')
  const payload = h['payload']
  if (topic === undefined || payload === undefined) return null
  const q = h['qos']?.toString()
  return {
    id: h['id']?.toString() ?? '',
    from: h['from']?.toString('utf8') ?? '',
    topic,
    qos: q === '2' ? 2 : q === '1' ? 1 : 0,
    payload,
    ts: Number(h['ts']?.toString() ?? '0'),
  }
}
