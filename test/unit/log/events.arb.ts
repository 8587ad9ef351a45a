/** fast-check arbitraries of domain events, for the log's codec and round-trip properties. */
import fc from 'fast-check'
import type { DomainEvent, DomainEventType, EventMeta } from '../../../src/events/domain.js'

// Any code point, plus lone surrogates (a JS string may hold them; JSON escapes them).
const unit = fc.oneof(
  { weight: 9, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
)
// Plain objects, like the engine's (fast-check otherwise makes some with a null prototype).
const rec = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> => fc.record(model, { noNullPrototype: true })
const text = fc.string({ unit, maxLength: 16 })
const ms = fc.integer({ min: 0, max: 2 ** 45 })
const qos = fc.constantFrom(0, 1, 2)
const mode = fc.constantFrom('queue', 'pubsub', 'latest')
const box = fc.constantFrom('outgoing', 'incoming', 'will')
const payload = fc.uint8Array({ maxLength: 48 }).map((u) => Buffer.from(u))

const observedData = rec({
  topic: fc.option(text, { nil: null }),
  qos: fc.option(qos, { nil: null }),
  msgId: fc.option(text, { nil: null }),
  reason: fc.option(text, { nil: null }),
  payload: fc.option(payload, { nil: null }),
  extra: fc.dictionary(text, text, { maxKeys: 4, noNullPrototype: true }),
})

export const metaArb: fc.Arbitrary<EventMeta> = rec({
  clientId: text,
  node: text,
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  at: ms,
})

/** One arbitrary per event type, so a property can be run for each. */
export const eventArbs: { readonly [T in DomainEventType]: fc.Arbitrary<Extract<DomainEvent, { type: T }>> } = {
  ClientConnected: rec({
    type: fc.constant('ClientConnected'),
    data: rec({ connectionId: text, username: fc.option(text, { nil: null }), cleanStart: fc.boolean(), protocolVersion: fc.constantFrom(3, 4, 5) }),
    meta: metaArb,
  }),
  ClientDisconnected: rec({ type: fc.constant('ClientDisconnected'), data: rec({ connectionId: text, reason: text, heldQueue: fc.boolean() }), meta: metaArb }),
  SubscriptionAdded: rec({
    type: fc.constant('SubscriptionAdded'),
    data: rec({
      filter: text,
      qos,
      options: rec({ nl: fc.boolean(), rap: fc.boolean(), rh: fc.constantFrom(0, 1, 2) }),
      fetch: fc.boolean(),
      pubsubStart: fc.constantFrom('latest', 'oldest', null),
    }),
    meta: metaArb,
  }),
  SubscriptionRemoved: rec({ type: fc.constant('SubscriptionRemoved'), data: rec({ filter: text }), meta: metaArb }),
  RetainedMessageSet: rec({ type: fc.constant('RetainedMessageSet'), data: rec({ msgId: text, topic: text, qos, payload }), meta: metaArb }),
  RetainedMessageCleared: rec({ type: fc.constant('RetainedMessageCleared'), data: rec({ topic: text }), meta: metaArb }),
  MessageStored: rec({
    type: fc.constant('MessageStored'),
    data: rec({ msgId: text, topic: text, qos: fc.constantFrom(1, 2), payload, retain: fc.boolean(), mode, expiresAt: ms }),
    meta: metaArb,
  }),
  MessageAcked: rec({ type: fc.constant('MessageAcked'), data: rec({ msgId: text, topic: text, mode }), meta: metaArb }),
  SessionSubscriptionStored: rec({ type: fc.constant('SessionSubscriptionStored'), data: rec({ filter: text, qos, stored: text }), meta: metaArb }),
  RetainedPacketStored: rec({ type: fc.constant('RetainedPacketStored'), data: rec({ topic: text, packet: text }), meta: metaArb }),
  SessionPacketStored: rec({
    type: fc.constant('SessionPacketStored'),
    data: rec({
      box,
      id: text,
      order: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      messageId: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: null }),
      brokerId: fc.option(text, { nil: null }),
      packet: text,
    }),
    meta: metaArb,
  }),
  SessionPacketDeleted: rec({
    type: fc.constant('SessionPacketDeleted'),
    data: rec({ box, id: text, messageId: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: null }) }),
    meta: metaArb,
  }),
  MessagePublished: rec({ type: fc.constant('MessagePublished'), data: observedData, meta: metaArb }),
  MessageDelivered: rec({ type: fc.constant('MessageDelivered'), data: observedData, meta: metaArb }),
  ConnackSent: rec({ type: fc.constant('ConnackSent'), data: observedData, meta: metaArb }),
  AuthorizationChecked: rec({ type: fc.constant('AuthorizationChecked'), data: observedData, meta: metaArb }),
  MessageDropped: rec({ type: fc.constant('MessageDropped'), data: observedData, meta: metaArb }),
  DeliveryDropped: rec({ type: fc.constant('DeliveryDropped'), data: observedData, meta: metaArb }),
}

export const eventArb: fc.Arbitrary<DomainEvent> = fc.oneof(...Object.values(eventArbs))

/** A deterministic event, different for each `i`, with a payload of binary bytes. */
export function sampleEvent(i: number): DomainEvent {
  const meta = { clientId: `c${i % 7}`, node: 'n1', seq: i + 1, at: 1_700_000_000_000 + i }
  switch (i % 4) {
    case 0:
      return { type: 'RetainedMessageSet', meta, data: { msgId: `m${i}`, topic: `t/${i}`, qos: 1, payload: Buffer.from([i & 0xff, 0, 0xff, 0x80]) } }
    case 1:
      return { type: 'SubscriptionAdded', meta, data: { filter: `t/${i}/#`, qos: 2, options: { nl: false, rap: true, rh: 1 }, fetch: true, pubsubStart: 'oldest' } }
    case 2:
      return { type: 'MessageStored', meta, data: { msgId: `m${i}`, topic: `queue/${i}`, qos: 2, payload: Buffer.from(`payload ${i} ✓`), retain: false, mode: 'queue', expiresAt: meta.at + 7_200_000 } }
    default:
      return { type: 'ClientDisconnected', meta, data: { connectionId: `k${i}`, reason: 'normal', heldQueue: i % 2 === 0 } }
  }
}

/** `n` sample events starting at index `start`. */
export function sampleEvents(n: number, start = 0): DomainEvent[] {
  return Array.from({ length: n }, (_, k) => sampleEvent(start + k))
}
