import { afterEach, describe, expect, it } from 'vitest'
import { SessionActors } from '../../../src/engine/actors.js'
import type { DomainEvent, SubscriptionAdded } from '../../../src/events/domain.js'
import { DEFAULT_OFFLINE_RULES, type OfflineRules } from '../../../src/offline/rules.js'
import { ack, connect, disconnect, publish, subscribe, unsubscribe } from '../support/inputs.js'

const started: SessionActors[] = []
/** Session actors on node n1, stopped after each test. */
function actors(rules?: OfflineRules): SessionActors {
  const a = rules === undefined ? new SessionActors('n1') : new SessionActors('n1', rules)
  started.push(a)
  return a
}
afterEach(() => {
  for (const a of started.splice(0)) a.stopAll()
})

const payload = Buffer.from([0x00, 0xff, 0x41])
const AT = 1_700_000_000_000

/** The one SubscriptionAdded a subscribe emits. */
function added(out: DomainEvent[]): SubscriptionAdded['data'] {
  expect(out.map((e) => e.type)).toEqual(['SubscriptionAdded'])
  return (out[0] as SubscriptionAdded).data
}

describe('session machine: storing messages', () => {
  it.each([1, 2] as const)('a QoS %i publish on queue/a -> MessageStored in queue mode, expiring after the default 7200 s', (qos) => {
    const a = actors()
    expect(a.step(publish('pub', 'queue/a', payload, false, AT, { qos, msgId: 'M1' }))).toEqual([{
      type: 'MessageStored',
      data: { msgId: 'M1', topic: 'queue/a', qos, payload, retain: false, mode: 'queue', expiresAt: AT + 7200 * 1000 },
      meta: { clientId: 'pub', node: 'n1', seq: 1, at: AT },
    }])
  })

  it('a shorter MQTT 5 expiry interval shortens expiresAt; a longer one or 0 does not lengthen it', () => {
    const a = actors()
    const expiry = (sec: number | null) => {
      const [e] = a.step(publish('pub', 'queue/a', payload, false, AT, { expiryIntervalSec: sec }))
      if (e?.type !== 'MessageStored') throw new Error(`expected MessageStored, got ${e?.type}`)
      return e.data.expiresAt
    }
    expect(expiry(30)).toBe(AT + 30 * 1000)
    expect(expiry(7199)).toBe(AT + 7199 * 1000)
    expect(expiry(7201)).toBe(AT + 7200 * 1000)
    expect(expiry(0)).toBe(AT + 7200 * 1000)
    expect(expiry(null)).toBe(AT + 7200 * 1000)
  })

  it('a QoS 0 publish on a stored topic -> no MessageStored', () => {
    const a = actors()
    expect(a.step(publish('pub', 'queue/a', payload, false, AT, { qos: 0 }))).toEqual([])
    expect(a.step(publish('pub', 'pubsub/x', payload, false, AT, { qos: 0 }))).toEqual([])
    // and the seq was not used
    expect(a.step(publish('pub', 'queue/a', payload, false, AT, { qos: 1 }))[0]?.meta.seq).toBe(1)
  })

  it('a publish on a topic no rule covers -> nothing', () => {
    const a = actors()
    expect(a.step(publish('pub', 'other/topic', payload, false, AT, { qos: 1 }))).toEqual([])
    expect(a.step(publish('pub', 'other/topic', payload, false, AT, { qos: 2 }))).toEqual([])
  })

  it('a QoS 1 publish on pubsub/x -> MessageStored in pubsub mode', () => {
    const a = actors()
    expect(a.step(publish('pub', 'pubsub/x', payload, false, AT, { msgId: 'P1' }))).toEqual([{
      type: 'MessageStored',
      data: { msgId: 'P1', topic: 'pubsub/x', qos: 1, payload, retain: false, mode: 'pubsub', expiresAt: AT + 7200 * 1000 },
      meta: { clientId: 'pub', node: 'n1', seq: 1, at: AT },
    }])
  })

  it('a retained QoS 1 publish on pubsub/x -> RetainedMessageSet, then MessageStored, with consecutive seqs', () => {
    const a = actors()
    expect(a.step(publish('pub', 'pubsub/x', payload, true, AT, { msgId: 'R1' }))).toEqual([
      {
        type: 'RetainedMessageSet',
        data: { msgId: 'R1', topic: 'pubsub/x', qos: 1, payload },
        meta: { clientId: 'pub', node: 'n1', seq: 1, at: AT },
      },
      {
        type: 'MessageStored',
        data: { msgId: 'R1', topic: 'pubsub/x', qos: 1, payload, retain: true, mode: 'pubsub', expiresAt: AT + 7200 * 1000 },
        meta: { clientId: 'pub', node: 'n1', seq: 2, at: AT },
      },
    ])
  })

  it('stores whether the publisher is online or not', () => {
    const a = actors()
    a.step(connect('pub', 'k1'))
    expect(a.step(publish('pub', 'queue/a', payload, false, AT)).map((e) => e.type)).toEqual(['MessageStored'])
    a.step(disconnect('pub', 'k1'))
    expect(a.step(publish('pub', 'queue/a', payload, false, AT)).map((e) => e.type)).toEqual(['MessageStored'])
  })

  it('custom rules: their modes and lifetime, not the defaults', () => {
    const a = actors({ queue: ['jobs/#'], pubsub: [], latest: ['state/+'], expiredTimeSec: 10, pubsubStart: 'oldest' })
    expect(a.step(publish('pub', 'state/lamp', payload, false, AT, { msgId: 'L1' }))).toEqual([{
      type: 'MessageStored',
      data: { msgId: 'L1', topic: 'state/lamp', qos: 1, payload, retain: false, mode: 'latest', expiresAt: AT + 10 * 1000 },
      meta: { clientId: 'pub', node: 'n1', seq: 1, at: AT },
    }])
    expect(a.step(publish('pub', 'jobs/1', payload, false, AT, { expiryIntervalSec: 5 }))).toEqual([
      expect.objectContaining({ type: 'MessageStored', data: expect.objectContaining({ mode: 'queue', expiresAt: AT + 5 * 1000 }) }),
    ])
    expect(a.step(publish('pub', 'queue/a', payload, false, AT))).toEqual([])
  })
})

describe('session machine: acknowledging stored messages', () => {
  it('mqtt.ack with a msgId on pubsub/x -> MessageAcked in pubsub mode', () => {
    const a = actors()
    expect(a.step(ack('c1', 'pubsub/x', 'P1', 6000))).toEqual([{
      type: 'MessageAcked',
      data: { msgId: 'P1', topic: 'pubsub/x', mode: 'pubsub' },
      meta: { clientId: 'c1', node: 'n1', seq: 1, at: 6000 },
    }])
  })

  it('mqtt.ack with a msgId on queue/a -> MessageAcked in queue mode', () => {
    const a = actors()
    a.step(connect('c1', 'k1'))
    expect(a.step(ack('c1', 'queue/a', 'Q1', 6000))).toEqual([{
      type: 'MessageAcked',
      data: { msgId: 'Q1', topic: 'queue/a', mode: 'queue' },
      meta: { clientId: 'c1', node: 'n1', seq: 2, at: 6000 },
    }])
  })

  it('mqtt.ack without a msgId -> nothing', () => {
    const a = actors()
    expect(a.step(ack('c1', 'pubsub/x', null))).toEqual([])
    expect(a.step(ack('c1', 'queue/a', null))).toEqual([])
  })

  it('mqtt.ack on a topic that is not stored -> nothing, and the seq is not used', () => {
    const a = actors()
    expect(a.step(ack('c1', 'other/topic', 'X1'))).toEqual([])
    expect(a.step(ack('c1', 'pubsub/x', 'P1'))[0]?.meta.seq).toBe(1)
  })

  it('mqtt.ack on a keep-latest topic -> MessageAcked in latest mode', () => {
    const a = actors({ ...DEFAULT_OFFLINE_RULES, latest: ['state/+'] })
    expect(a.step(ack('c1', 'state/lamp', 'L1'))).toEqual([
      expect.objectContaining({ type: 'MessageAcked', data: { msgId: 'L1', topic: 'state/lamp', mode: 'latest' } }),
    ])
  })
})

describe('session machine: SubscriptionAdded.fetch', () => {
  it('is true for the first subscribe of a filter on a connection with QoS > 0', () => {
    const a = actors()
    a.step(connect('c1', 'k1'))
    expect(added(a.step(subscribe('c1', 'queue/#', 1))).fetch).toBe(true)
    expect(added(a.step(subscribe('c1', 'pubsub/#', 2))).fetch).toBe(true)
  })

  it('is false for QoS 0', () => {
    const a = actors()
    a.step(connect('c1', 'k1'))
    expect(added(a.step(subscribe('c1', 'queue/#', 0))).fetch).toBe(false)
  })

  it('is false for a repeated subscribe of the same filter on the same connection (a restored subscription racing the client\'s own)', () => {
    const a = actors()
    a.step(connect('c1', 'k1'))
    expect(added(a.step(subscribe('c1', 'queue/#', 1))).fetch).toBe(true)
    expect(added(a.step(subscribe('c1', 'queue/#', 1))).fetch).toBe(false)
    expect(added(a.step(subscribe('c1', 'queue/#', 2))).fetch).toBe(false)
    // another filter is still new
    expect(added(a.step(subscribe('c1', 'queue/+/x', 1))).fetch).toBe(true)
  })

  it('is per client: another client\'s subscribe of the same filter fetches', () => {
    const a = actors()
    a.step(connect('c1', 'k1'))
    a.step(connect('c2', 'k2'))
    expect(added(a.step(subscribe('c1', 'queue/#', 1))).fetch).toBe(true)
    expect(added(a.step(subscribe('c2', 'queue/#', 1))).fetch).toBe(true)
  })

  it('is true again after unsubscribe and subscribe', () => {
    const a = actors()
    a.step(connect('c1', 'k1'))
    a.step(subscribe('c1', 'queue/#', 1))
    a.step(subscribe('c1', 'pubsub/#', 1))
    expect(a.step(unsubscribe('c1', 'queue/#')).map((e) => e.type)).toEqual(['SubscriptionRemoved'])
    expect(added(a.step(subscribe('c1', 'queue/#', 1))).fetch).toBe(true)
    // the filter left subscribed is still a repeat
    expect(added(a.step(subscribe('c1', 'pubsub/#', 1))).fetch).toBe(false)
  })

  it('is true again after disconnect and connect (a new connection)', () => {
    const a = actors()
    a.step(connect('c1', 'k1'))
    a.step(subscribe('c1', 'queue/#', 1))
    a.step(disconnect('c1', 'k1'))
    a.step(connect('c1', 'k2'))
    expect(added(a.step(subscribe('c1', 'queue/#', 1))).fetch).toBe(true)
    expect(added(a.step(subscribe('c1', 'queue/#', 1))).fetch).toBe(false)
  })

  it('is true again after a takeover (a new connection without a disconnect in between)', () => {
    const a = actors()
    a.step(connect('c1', 'k1'))
    a.step(subscribe('c1', 'queue/#', 1))
    a.step(connect('c1', 'k2'))
    expect(added(a.step(subscribe('c1', 'queue/#', 1))).fetch).toBe(true)
    // the late disconnect of the replaced connection does not reset the new one's filters
    expect(a.step(disconnect('c1', 'k1'))).toEqual([])
    expect(added(a.step(subscribe('c1', 'queue/#', 1))).fetch).toBe(false)
  })
})

describe('session machine: SubscriptionAdded.pubsubStart', () => {
  it.each<[string, 'latest' | null]>([
    ['pubsub/#', 'latest'],
    ['pubsub/+/t', 'latest'],
    ['pubsub/x', 'latest'],
    ['queue/#', null],
    ['#', null],
    ['+/x', null],
    ['other/t', null],
  ])('default rules: %s -> %s', (filter, start) => {
    const a = actors()
    a.step(connect('c1', 'k1'))
    expect(added(a.step(subscribe('c1', filter, 1))).pubsubStart).toBe(start)
  })

  it("is 'oldest' when rules.pubsubStart is 'oldest'", () => {
    const a = actors({ ...DEFAULT_OFFLINE_RULES, pubsubStart: 'oldest' })
    a.step(connect('c1', 'k1'))
    expect(added(a.step(subscribe('c1', 'pubsub/#', 1))).pubsubStart).toBe('oldest')
    expect(added(a.step(subscribe('c1', 'pubsub/+/t', 2))).pubsubStart).toBe('oldest')
    expect(added(a.step(subscribe('c1', 'queue/#', 1))).pubsubStart).toBeNull()
    expect(added(a.step(subscribe('c1', '#', 1))).pubsubStart).toBeNull()
  })

  it('the full SubscriptionAdded of a first pubsub subscription', () => {
    const a = actors()
    a.step(connect('c1', 'k1'))
    expect(a.step(subscribe('c1', 'pubsub/#', 1, 3000))).toEqual([{
      type: 'SubscriptionAdded',
      data: { filter: 'pubsub/#', qos: 1, options: { nl: false, rap: false, rh: 0 }, fetch: true, pubsubStart: 'latest' },
      meta: { clientId: 'c1', node: 'n1', seq: 2, at: 3000 },
    }])
  })
})

describe('session machine: fetch and storage edge cases', () => {
  it('a QoS 0 subscribe does not fix a pubsub start, and upgrading it to QoS 1 fetches', () => {
    const a = actors()
    a.step(connect('c', 'k1'))
    const q0 = added(a.step(subscribe('c', 'pubsub/x', 0)))
    expect(q0.fetch).toBe(false)
    expect(q0.pubsubStart).toBeNull()
    const q1 = added(a.step(subscribe('c', 'pubsub/x', 1)))
    expect(q1.fetch).toBe(true)
    expect(q1.pubsubStart).toBe('latest')
  })

  it('an empty retained publish on a stored topic clears the retained message and stores nothing', () => {
    const a = actors()
    const out = a.step(publish('p', 'pubsub/x', Buffer.alloc(0), true, AT, { qos: 1, msgId: 'E1' }))
    expect(out.map((e) => e.type)).toEqual(['RetainedMessageCleared'])
  })

  it('an empty msgId on an ack is treated as no msgId', async () => {
    const { decodeInput } = await import('../../../src/events/decode.js')
    const r = decodeInput({ type: 'mqtt.ack', clientId: 'c', topic: 'pubsub/x', msgId: '' }, { now: () => 0, nextId: () => 'x' })
    expect(r._tag === 'Right' && r.right.type === 'mqtt.ack' && r.right.msgId).toBeNull()
  })
})

describe('session machine: a filter the broker session already serves', () => {
  it('does not fetch when the host reports a resubscribe of a restored persistent-session filter', () => {
    const a = actors()
    a.step(connect('p', 'k1'))
    expect(added(a.step(subscribe('p', 'pubsub/x', 1, 3000, true))).fetch).toBe(false)
    expect(added(a.step(subscribe('p', 'pubsub/y', 1, 3000, false))).fetch).toBe(true)
  })
})

describe('session machine: releasing queue holds on disconnect', () => {
  const disc = (out: DomainEvent[]) => (out.find((e) => e.type === 'ClientDisconnected') as Extract<DomainEvent, { type: 'ClientDisconnected' }>).data.heldQueue

  it('says a connection held queue messages only if it fetched from a queue, even after unsubscribing', () => {
    const a = actors()
    a.step(connect('q', 'k1'))
    a.step(subscribe('q', 'pubsub/x', 1))
    expect(disc(a.step(disconnect('q', 'k1')))).toBe(false)
    a.step(connect('q', 'k2'))
    a.step(subscribe('q', 'queue/jobs', 1))
    a.step(unsubscribe('q', 'queue/jobs'))
    expect(disc(a.step(disconnect('q', 'k2')))).toBe(true)
    a.step(connect('q', 'k3')) // a new connection starts holding nothing
    a.step(subscribe('q', 'queue/jobs', 0))
    expect(disc(a.step(disconnect('q', 'k3')))).toBe(false)
  })
})

describe('session machine: queue holds across a takeover', () => {
  it('a hold taken before a takeover is still released at the next disconnect', () => {
    const a = actors()
    a.step(connect('t', 'k1'))
    a.step(subscribe('t', 'queue/jobs', 1))
    a.step(connect('t', 'k2')) // takeover: k1's disconnect never comes
    const out = a.step(disconnect('t', 'k2'))
    expect((out.find((e) => e.type === 'ClientDisconnected') as Extract<DomainEvent, { type: 'ClientDisconnected' }>).data.heldQueue).toBe(true)
  })
})
