import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { SessionActors } from '../../../src/engine/actors.js'
import type { DomainEvent } from '../../../src/events/domain.js'
import type { InputEvent } from '../../../src/events/input.js'
import { ack, connect, disconnect, publish, subscribe, unsubscribe } from '../support/inputs.js'

const clients = ['c0', 'c1', 'c2'] as const
const conns = ['k0', 'k1', 'k2', 'k3'] as const

const connOp = fc.record({ kind: fc.constantFrom('connect' as const, 'disconnect' as const), client: fc.constantFrom(...clients), conn: fc.constantFrom(...conns) })
const anyOp = fc.oneof(
  connOp.map(({ kind, client, conn }): InputEvent => (kind === 'connect' ? connect(client, conn) : disconnect(client, conn))),
  fc.tuple(fc.constantFrom(...clients), fc.constantFrom('a', 'a/#')).map(([c, f]): InputEvent => subscribe(c, f)),
  fc.tuple(fc.constantFrom(...clients), fc.constantFrom('a', 'a/#')).map(([c, f]): InputEvent => unsubscribe(c, f)),
  // Stored topics too: a retained QoS 1/2 publish there emits two events for one input.
  fc.tuple(fc.constantFrom(...clients), fc.constantFrom('t', 'queue/t', 'pubsub/t'), fc.constantFrom(0 as const, 1 as const, 2 as const), fc.boolean(), fc.boolean())
    .map(([c, topic, qos, retain, empty]): InputEvent => publish(c, topic, Buffer.from(empty ? '' : 'x'), retain, 5000, { qos })),
  fc.tuple(fc.constantFrom(...clients), fc.constantFrom('t', 'queue/t', 'pubsub/t'), fc.option(fc.constant('m-1')))
    .map(([c, topic, msgId]): InputEvent => ack(c, topic, msgId)),
)

describe('SessionActors', () => {
  it('creates one actor per client on its first event and reports unknown before', () => {
    const a = new SessionActors('n1')
    expect(a.stateOf('c1')).toBe('unknown')
    a.step(subscribe('c1', 'x'))
    expect(a.stateOf('c1')).toBe('offline')
    a.step(connect('c2', 'k'))
    expect(a.size).toBe(2)
    expect(a.stateOf('c2')).toBe('online')
    a.stopAll()
    expect(a.size).toBe(0)
  })

  it('step returns exactly the events emitted for that input, stamped with the node', () => {
    const a = new SessionActors('node-x')
    const out = a.step(connect('c1', 'k1', 500))
    expect(out).toEqual([expect.objectContaining({ type: 'ClientConnected', meta: { clientId: 'c1', node: 'node-x', seq: 1, at: 500 } })])
    expect(a.step(disconnect('c1', 'old'))).toEqual([])
    expect(a.step(disconnect('c1', 'k1')).map((e) => e.type)).toEqual(['ClientDisconnected'])
  })

  it('online/offline agrees with a reference model for random connect/disconnect sequences', () => {
    fc.assert(fc.property(fc.array(connOp, { maxLength: 60 }), (ops) => {
      const actors = new SessionActors('n1')
      const model = new Map<string, string | null>() // client -> current connection id
      for (const { kind, client, conn } of ops) {
        if (kind === 'connect') {
          model.set(client, conn)
          const out = actors.step(connect(client, conn))
          expect(out.map((e) => e.type)).toEqual(['ClientConnected'])
        } else {
          const current = model.get(client) ?? null
          const accepted = current === conn
          if (accepted || !model.has(client)) model.set(client, null) // a first event creates an offline actor
          const out = actors.step(disconnect(client, conn))
          expect(out.map((e) => e.type)).toEqual(accepted ? ['ClientDisconnected'] : [])
        }
        for (const c of clients) {
          const expected = !model.has(c) ? 'unknown' : model.get(c) === null ? 'offline' : 'online'
          expect(actors.stateOf(c)).toBe(expected)
        }
      }
      actors.stopAll()
    }), { numRuns: 300 })
  })

  it('seq increases by exactly 1 per emitted event per client, independently across clients', () => {
    let multiEventInputs = 0
    fc.assert(fc.property(fc.array(anyOp, { maxLength: 80 }), (inputs) => {
      const actors = new SessionActors('n1')
      const all: DomainEvent[] = []
      let multi = 0
      for (const input of inputs) {
        const out = actors.step(input)
        for (const e of out) expect(e.meta.clientId).toBe(input.clientId)
        if (out.length > 1) multi += 1
        all.push(...out)
      }
      multiEventInputs += multi
      for (const c of clients) {
        const seqs = all.filter((e) => e.meta.clientId === c).map((e) => e.meta.seq)
        expect(seqs).toEqual(seqs.map((_, i) => i + 1))
      }
      actors.stopAll()
    }), { numRuns: 300 })
    expect(multiEventInputs).toBeGreaterThan(0) // inputs emitting two events were generated
  })

  it('stepAll decides a burst exactly as stepping its inputs one by one would: the same events, seqs and states', () => {
    let runs = 0
    fc.assert(fc.property(fc.array(fc.array(anyOp, { maxLength: 40 }), { maxLength: 6 }), (bursts) => {
      const one = new SessionActors('n1')
      const burst = new SessionActors('n1')
      for (const inputs of bursts) {
        const expected = inputs.map((i) => one.step(i))
        expect(burst.stepAll(inputs)).toEqual(expected)
        for (const c of clients) expect(burst.stateOf(c)).toBe(one.stateOf(c))
        // A run: two inputs of one client in a row (counting only that client's inputs) that take no transition.
        const last = new Map<string, boolean>()
        for (const i of inputs) {
          const batchable = i.type !== 'mqtt.connect' && i.type !== 'mqtt.disconnect'
          if (batchable && last.get(i.clientId) === true) runs += 1
          last.set(i.clientId, batchable)
        }
      }
      one.stopAll()
      burst.stopAll()
    }), { numRuns: 300 })
    expect(runs).toBeGreaterThan(0) // bursts holding runs were generated
  })

  it('stepAll sends a failing run again input by input: only the failing input is lost, and the seq goes on', () => {
    vi.useFakeTimers()
    try {
      const actors = new SessionActors('n1')
      // A retained publish without a payload: decide reads its length and throws.
      const broken = { ...publish('c1', 't', Buffer.from('x'), true, 1000, { qos: 1 }), payload: undefined } as unknown as InputEvent
      const out = actors.stepAll([subscribe('c1', 'a'), broken, subscribe('c1', 'b'), subscribe('c2', 'x')])
      expect(out.map((events) => events.map((e) => [e.type, e.meta.clientId, e.meta.seq]))).toEqual([
        [['SubscriptionAdded', 'c1', 1]],
        [],
        [['SubscriptionAdded', 'c1', 2]],
        [['SubscriptionAdded', 'c2', 1]],
      ])
      // Reported once, for the failing input (not again for the run it was in).
      expect(() => vi.runOnlyPendingTimers()).toThrow(TypeError)
      expect(vi.getTimerCount()).toBe(0)
      actors.stopAll()
    } finally {
      vi.useRealTimers()
    }
  })

  it('uses the offline rules it was constructed with', () => {
    const custom = new SessionActors('n1', { queue: [], pubsub: [], latest: ['t'], expiredTimeSec: 10, pubsubStart: 'oldest' })
    expect(custom.step(publish('c1', 't', Buffer.from('x'), false, 1000, { qos: 1 }))).toEqual([
      expect.objectContaining({ type: 'MessageStored', data: expect.objectContaining({ mode: 'latest', expiresAt: 11_000 }) }),
    ])
    expect(custom.step(publish('c1', 'queue/t', Buffer.from('x'), false, 1000, { qos: 1 }))).toEqual([])
    const defaults = new SessionActors('n1')
    expect(defaults.step(publish('c1', 't', Buffer.from('x'), false, 1000, { qos: 1 }))).toEqual([])
    expect(defaults.step(publish('c1', 'queue/t', Buffer.from('x'), false, 1000, { qos: 1 })).map((e) => e.type)).toEqual(['MessageStored'])
    custom.stopAll()
    defaults.stopAll()
  })
})
