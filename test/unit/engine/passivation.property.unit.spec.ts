import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SessionActors } from '../../../src/engine/actors.js'
import type { ObservedEvent } from '../../../src/events/domain.js'
import type { InputEvent } from '../../../src/events/input.js'
import { ack, connect, disconnect, publish, subscribe, unsubscribe } from '../support/inputs.js'

/**
 * A session passivated (actor stopped, only its seq kept) and then rehydrated
 * behaves as one that never slept: same domain events, data and meta (seq
 * included), same online/offline answers.
 */

const clients = ['c0', 'c1', 'c2'] as const
const conns = ['k0', 'k1', 'k2', 'k3'] as const
const filters = ['a', 'a/#', 'queue/t', 'queue/#', 'pubsub/t', 'pubsub/#'] as const
const topics = ['t', 'a/b', 'queue/t', 'pubsub/t'] as const

/** An input built at the clock's time of the moment it is stepped. */
type Make = (at: number) => InputEvent

type Op =
  | { readonly kind: 'input'; readonly make: Make }
  | { readonly kind: 'idle'; readonly ms: number }
  | { readonly kind: 'timer' }

const client = fc.constantFrom(...clients)
const conn = fc.constantFrom(...conns)

const inputOp: fc.Arbitrary<Op> = fc.oneof(
  // Connects and disconnects weigh most: they make sessions go offline and clean.
  { weight: 4, arbitrary: fc.tuple(client, conn).map(([c, k]): Make => (at) => connect(c, k, at)) },
  // Disconnects of any connection id: the current one, replaced (stale) ones, never seen ones.
  { weight: 4, arbitrary: fc.tuple(client, conn).map(([c, k]): Make => (at) => disconnect(c, k, at)) },
  {
    weight: 3,
    arbitrary: fc.tuple(client, fc.constantFrom(...filters), fc.constantFrom(0 as const, 1 as const, 2 as const), fc.boolean())
      .map(([c, f, qos, resub]): Make => (at) => subscribe(c, f, qos, at, resub)),
  },
  { weight: 2, arbitrary: fc.tuple(client, fc.constantFrom(...filters)).map(([c, f]): Make => (at) => unsubscribe(c, f, at)) },
  {
    weight: 2,
    arbitrary: fc.tuple(client, fc.constantFrom(...topics), fc.constantFrom(0 as const, 1 as const, 2 as const), fc.boolean(), fc.boolean())
      .map(([c, topic, qos, retain, empty]): Make => (at) => publish(c, topic, Buffer.from(empty ? '' : 'x'), retain, at, { qos, msgId: `m-${at}` })),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(client, fc.constantFrom(...topics), fc.option(fc.constant('m-1')))
      .map(([c, topic, msgId]): Make => (at) => ack(c, topic, msgId, at)),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(client, fc.constantFrom('queue/t', 'x'), fc.boolean())
      .map(([c, topic, ok]): Make => (at) => ({ type: 'mqtt.deliver', clientId: c, topic, qos: 1, packetId: 1, msgId: ok ? 'm-1' : null, payload: Buffer.from('p'), from: null, at })),
  },
).map((make): Op => ({ kind: 'input', make }))

const IDLE_MS = 50
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: inputOp },
  // Gaps shorter than, exactly, and longer than the idle time.
  { weight: 2, arbitrary: fc.constantFrom(0, 1, IDLE_MS - 1, IDLE_MS, IDLE_MS + 1, 10 * IDLE_MS).map((ms): Op => ({ kind: 'idle', ms })) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'timer' }) },
)

const observeArb = fc.subarray<ObservedEvent['type']>(['MessagePublished', 'MessageDelivered'])

describe('passivation: a rehydrated session behaves as one that never slept', () => {
  it('emits exactly the events of SessionActors without passivation, for random inputs and idle gaps', () => {
    let passivations = 0
    let rehydrations = 0
    fc.assert(fc.property(
      fc.array(opArb, { minLength: 10, maxLength: 150, size: 'large' }),
      fc.constantFrom(1, 2, 3, 100),
      fc.constantFrom(1, 2, 8),
      observeArb,
      (ops, maxLive, maxPerStep, observed) => {
        let now = 1_000_000
        const clock = (): number => now
        const observe = new Set(observed)
        const sleepy = new SessionActors('n1', undefined, observe, { idleMs: IDLE_MS, maxLive, maxPerStep, clock })
        const awake = new SessionActors('n1', undefined, observe, false)
        for (const op of ops) {
          if (op.kind === 'idle') {
            now += op.ms
            continue
          }
          if (op.kind === 'timer') {
            sleepy.passivateIdle()
          } else {
            const input = op.make(now)
            expect(sleepy.step(input)).toEqual(awake.step(input))
          }
          for (const c of clients) expect(sleepy.stateOf(c)).toBe(awake.stateOf(c))
          expect(sleepy.size + sleepy.passivated).toBe(awake.size)
          expect(awake.passivated).toBe(0)
        }
        expect(sleepy.passivated).toBe(sleepy.passivations - sleepy.rehydrations)
        passivations += sleepy.passivations
        rehydrations += sleepy.rehydrations
        sleepy.stopAll()
        awake.stopAll()
      },
    ), { numRuns: 500 })
    // The property exercised what it is about.
    expect(passivations).toBeGreaterThan(1000)
    expect(rehydrations).toBeGreaterThan(1000)
  })
})
