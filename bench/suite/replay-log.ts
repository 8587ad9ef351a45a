/**
 * The generated event log the replay benchmarks apply: connects,
 * subscriptions, retained messages, stored pubsub messages and disconnects,
 * over 10,000 clients and 100 pubsub topics, one in five of each.
 */
import type { DomainEvent } from '../../src/events/domain.js'
import { openEventLog } from '../../src/log/event-log.js'

export const REPLAY_NODE = 'bench'

/** Event `i` of the log; `at` is its time (milliseconds). */
export function replayEventAt(i: number, at: number): DomainEvent {
  const clientId = `dev-${i % 10_000}`
  const meta = { clientId, node: REPLAY_NODE, seq: Math.floor(i / 10_000) + 1, at }
  switch (i % 5) {
    case 0:
      return { type: 'ClientConnected', data: { connectionId: `k${i}`, username: null, cleanStart: true, protocolVersion: 4 }, meta }
    case 1:
      return { type: 'SubscriptionAdded', data: { filter: `cmd/${clientId}`, qos: 1, options: { nl: false, rap: false, rh: 0 }, fetch: true, pubsubStart: null }, meta }
    case 2:
      return { type: 'RetainedMessageSet', data: { msgId: `r${i}`, topic: `state/${clientId}`, qos: 1, payload: Buffer.from('{"temp":21.5}') }, meta }
    case 3:
      return { type: 'MessageStored', data: { msgId: `m${i}`, topic: `pubsub/${i % 100}`, qos: 1, payload: Buffer.from('{"temp":21.5}'), retain: false, mode: 'pubsub', expiresAt: at + 7_200_000 }, meta }
    default:
      return { type: 'ClientDisconnected', data: { connectionId: `k${i - 4}`, reason: 'normal', heldQueue: false }, meta }
  }
}

/** Write a log of `n` generated events into `dir` (no fsync), in appends of 1000. */
export async function writeReplayLog(dir: string, n: number, at: number = Date.now()): Promise<void> {
  const log = await openEventLog({ dir, durability: { mode: 'never' } })
  try {
    for (let i = 0; i < n; i += 1000) {
      const batch: DomainEvent[] = []
      for (let j = i; j < Math.min(n, i + 1000); j++) batch.push(replayEventAt(j, at + j))
      await log.append(batch)
    }
  } finally {
    await log.close()
  }
}
