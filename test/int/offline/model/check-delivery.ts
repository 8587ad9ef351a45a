/**
 * The checks made while a sequence runs (properties 1-4 of
 * offline.property.int.spec.ts): every client's deliveries after one action,
 * against the model's prediction and its history.
 */
import { expect } from 'vitest'
import type { HostMessage } from '../../../../src/hosts/host.js'
import { context, type MMsg, type Model } from './offline-model.js'
import { CLIENTS, type Client, type QoS, type Real } from './world.js'

const byTopic = (msgs: ReadonlyArray<{ topic: string; label: string }>): Record<string, string[]> => {
  const out: Record<string, string[]> = {}
  for (const x of msgs) (out[x.topic] ??= []).push(x.label)
  return out
}

/** After one action: settle, then compare every client's deliveries with the model's prediction. */
export async function settleAndCheck(m: Model, r: Real, fetch: { client: Client; filter: string; qos: QoS; expected: readonly MMsg[] } | null): Promise<void> {
  await r.engine.settled()
  for (const c of CLIENTS) {
    const got = r.host.take(c)
    if (fetch === null || fetch.client !== c) {
      expect(got.map((h) => `${h.topic} ${h.payload.toString()}`), `${c} got messages though it did not subscribe${context(m)}`).toEqual([])
      continue
    }
    checkFetch(m, c, fetch.filter, fetch.qos, got, fetch.expected)
  }
}

function checkFetch(m: Model, c: Client, filter: string, subQos: QoS, got: readonly HostMessage[], expected: readonly MMsg[]): void {
  const where = `fetch of ${c} subscribing ${filter} q${subQos}${context(m)}`
  const cs = m.clients[c]
  const msgs = got.map((h) => {
    const msg = h.msgId === undefined ? undefined : m.byId.get(h.msgId)
    expect(msg, `${where}\n  delivered a message the model never stored: ${h.topic} ${h.payload.toString()} id=${h.msgId}`).toBeDefined()
    return msg as MMsg
  })

  // 2. Per-topic publish order within the fetch.
  const lastSeq = new Map<string, number>()
  for (const msg of msgs) {
    expect(msg.seq > (lastSeq.get(msg.topic) ?? 0), `${where}\n  ${msg.topic} out of publish order: ${byTopic(msgs)[msg.topic]?.join(',')}`).toBe(true)
    lastSeq.set(msg.topic, msg.seq)
  }

  for (const msg of msgs) {
    // 3. pubsub: nothing at or before what the client acked on that topic.
    if (msg.mode === 'pubsub') {
      expect(cs.ackedIds.has(msg.id), `${where}\n  pubsub ${msg.label} delivered again after ${c} acked it`).toBe(false)
      const max = cs.maxAckedSeq.get(msg.topic) ?? 0
      expect(msg.seq > max, `${where}\n  pubsub ${msg.label} delivered after ${c} acked a later message of ${msg.topic}`).toBe(true)
    }
    // 4. queue: one holder at a time; an acked message never comes back.
    if (msg.mode === 'queue') {
      expect(m.consumed.has(msg.id), `${where}\n  queue ${msg.label} delivered after it was acked`).toBe(false)
      const holder = m.seenHolder.get(msg.id)
      expect(holder === undefined || holder === c, `${where}\n  queue ${msg.label} delivered to ${c} while ${holder} holds it`).toBe(true)
    }
  }
  for (const msg of msgs) if (msg.mode === 'queue') m.seenHolder.set(msg.id, c)

  // 1. Exactly the model's prediction: per topic, in order, payload and capped QoS.
  got.forEach((h, i) => {
    const msg = msgs[i] as MMsg
    expect(`${h.topic} ${h.payload.toString()} q${h.qos}`, where).toBe(`${msg.topic} ${msg.label} q${Math.min(msg.qos, subQos)}`)
  })
  expect(byTopic(msgs), where).toEqual(byTopic(expected))
}
