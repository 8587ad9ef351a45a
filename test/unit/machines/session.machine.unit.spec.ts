import { describe, expect, it } from 'vitest'
import { createActor } from 'xstate'
import { decide, sessionMachine, type SessionContext } from '../../../machines/session.machine.js'
import type { DomainEvent } from '../../../src/events/domain.js'
import type { InputEvent } from '../../../src/events/input.js'
import { DEFAULT_OFFLINE_RULES, type OfflineRules } from '../../../src/offline/rules.js'
import { ack, connect, disconnect, publish, subscribe, unsubscribe } from '../support/inputs.js'

/** One session actor driven directly, collecting what it emits. */
function session(clientId = 'c1', node = 'n1', seq?: number) {
  const actor = createActor(sessionMachine, { input: seq === undefined ? { clientId, node } : { clientId, node, seq } })
  const emitted: DomainEvent[] = []
  actor.on('session.decided', (e) => emitted.push(...e.events))
  actor.start()
  return {
    actor,
    send(e: InputEvent): DomainEvent[] {
      const from = emitted.length
      actor.send(e)
      return emitted.slice(from)
    },
    get state() {
      return actor.getSnapshot().value
    },
    get ctx() {
      return actor.getSnapshot().context
    },
  }
}

describe('session machine: connection lifecycle', () => {
  it('starts offline with seq 0, no connection, the default offline rules and no active filters', () => {
    const s = session()
    expect(s.state).toBe('offline')
    expect(s.ctx).toEqual({ clientId: 'c1', node: 'n1', seq: 0, connectionId: null, rules: DEFAULT_OFFLINE_RULES, observe: new Set(), active: [], fetchedQueue: false })
    expect(DEFAULT_OFFLINE_RULES).toEqual({ queue: ['queue/#'], pubsub: ['pubsub/#'], latest: [], expiredTimeSec: 7200, pubsubStart: 'latest' })
  })

  it('keeps the offline rules it was started with', () => {
    const rules: OfflineRules = { queue: ['q/#'], pubsub: [], latest: ['l/+'], expiredTimeSec: 60, pubsubStart: 'oldest' }
    const actor = createActor(sessionMachine, { input: { clientId: 'c1', node: 'n1', rules } })
    actor.start()
    expect(actor.getSnapshot().context.rules).toEqual(rules)
    actor.stop()
  })

  it('connect -> ClientConnected with meta {clientId,node,seq:1,at}, state online', () => {
    const s = session('dev-1', 'node-a')
    const out = s.send(connect('dev-1', 'k1', 1234))
    expect(out).toEqual([{
      type: 'ClientConnected',
      data: { connectionId: 'k1', username: 'u', cleanStart: true, protocolVersion: 5 },
      meta: { clientId: 'dev-1', node: 'node-a', seq: 1, at: 1234 },
    }])
    expect(s.state).toBe('online')
    expect(s.ctx.connectionId).toBe('k1')
  })

  it('disconnect of the current connection -> ClientDisconnected, state offline', () => {
    const s = session()
    s.send(connect('c1', 'k1'))
    const out = s.send(disconnect('c1', 'k1', 9000, 'keepalive_timeout'))
    expect(out).toEqual([{
      type: 'ClientDisconnected',
      data: { connectionId: 'k1', reason: 'keepalive_timeout', heldQueue: false },
      meta: { clientId: 'c1', node: 'n1', seq: 2, at: 9000 },
    }])
    expect(s.state).toBe('offline')
    expect(s.ctx.connectionId).toBeNull()
  })

  it('takeover: a late disconnect of the replaced connection is ignored', () => {
    const s = session()
    expect(s.send(connect('c1', 'A')).map((e) => e.type)).toEqual(['ClientConnected'])
    const takeover = s.send(connect('c1', 'B'))
    expect(takeover).toHaveLength(1)
    expect(takeover[0]).toMatchObject({ type: 'ClientConnected', data: { connectionId: 'B' }, meta: { seq: 2 } })
    expect(s.send(disconnect('c1', 'A', 2000, 'takenover'))).toEqual([])
    expect(s.state).toBe('online')
    expect(s.ctx.connectionId).toBe('B')
    const out = s.send(disconnect('c1', 'B'))
    expect(out).toHaveLength(1)
    expect(out[0]).toMatchObject({ type: 'ClientDisconnected', data: { connectionId: 'B' }, meta: { seq: 3 } })
    expect(s.state).toBe('offline')
  })

  it('a duplicate disconnect while offline emits nothing and keeps seq', () => {
    const s = session()
    expect(s.send(disconnect('c1', 'k0'))).toEqual([])
    s.send(connect('c1', 'k1'))
    s.send(disconnect('c1', 'k1'))
    expect(s.send(disconnect('c1', 'k1'))).toEqual([])
    expect(s.state).toBe('offline')
    expect(s.ctx.seq).toBe(2)
  })

  it('a disconnect with an unknown connection id while online is ignored', () => {
    const s = session()
    s.send(connect('c1', 'k1'))
    expect(s.send(disconnect('c1', 'other'))).toEqual([])
    expect(s.state).toBe('online')
  })

  it('continues from the seq it was started with', () => {
    const s = session('c1', 'n1', 41)
    expect(s.send(connect('c1', 'k1'))[0]?.meta.seq).toBe(42)
    expect(s.ctx.seq).toBe(42)
  })
})

describe('session machine: subscriptions and retained messages', () => {
  it('subscribe/unsubscribe -> SubscriptionAdded/Removed, online or offline', () => {
    const s = session()
    expect(s.send(subscribe('c1', 'a/#', 2, 77))).toEqual([{
      type: 'SubscriptionAdded',
      data: { filter: 'a/#', qos: 2, options: { nl: false, rap: false, rh: 0 }, fetch: true, pubsubStart: null },
      meta: { clientId: 'c1', node: 'n1', seq: 1, at: 77 },
    }])
    s.send(connect('c1', 'k1'))
    expect(s.send(unsubscribe('c1', 'a/#', 88))).toEqual([{
      type: 'SubscriptionRemoved', data: { filter: 'a/#' }, meta: { clientId: 'c1', node: 'n1', seq: 3, at: 88 },
    }])
    expect(s.state).toBe('online')
  })

  it('retained publish with payload -> RetainedMessageSet', () => {
    const s = session()
    const payload = Buffer.from([0, 1, 255])
    expect(s.send(publish('c1', 's/t', payload, true, 10))).toEqual([{
      type: 'RetainedMessageSet',
      data: { msgId: 'm-10', topic: 's/t', qos: 1, payload },
      meta: { clientId: 'c1', node: 'n1', seq: 1, at: 10 },
    }])
  })

  it('retained publish with empty payload -> RetainedMessageCleared', () => {
    const s = session()
    expect(s.send(publish('c1', 's/t', Buffer.alloc(0), true, 11))).toEqual([{
      type: 'RetainedMessageCleared', data: { topic: 's/t' }, meta: { clientId: 'c1', node: 'n1', seq: 1, at: 11 },
    }])
  })

  it('on a topic no offline rule covers, non-retained publish, deliver, ack and drop emit nothing and leave seq alone', () => {
    const s = session()
    expect(s.send(publish('c1', 's/t', Buffer.from('x'), false))).toEqual([])
    expect(s.send(publish('c1', 's/t', Buffer.alloc(0), false))).toEqual([])
    expect(s.send({ type: 'mqtt.deliver', clientId: 'c1', at: 1, topic: 's/t', qos: 1, packetId: 3, msgId: null, from: null, payload: null })).toEqual([])
    expect(s.send(ack('c1', 's/t', null, 1, 3))).toEqual([])
    expect(s.send(ack('c1', 's/t', 'm-1', 1, 3))).toEqual([])
    expect(s.send({ type: 'mqtt.drop', clientId: 'c1', at: 1, stage: 'delivery', topic: 's/t', reason: 'queue_full', qos: 1, payload: null, msgId: null })).toEqual([])
    expect(s.ctx.seq).toBe(0)
    expect(s.send(subscribe('c1', 'x'))[0]?.meta.seq).toBe(1)
  })

  it('records observed events only for the types it is told to observe, in order, with their fields', () => {
    const all = new Set(['MessagePublished', 'MessageDelivered', 'ConnackSent', 'AuthorizationChecked', 'MessageDropped', 'DeliveryDropped'] as const)
    const ctx = (observe: SessionContext['observe']): SessionContext =>
      ({ clientId: 'c1', node: 'n1', seq: 0, connectionId: 'k1', rules: DEFAULT_OFFLINE_RULES, observe, active: [], fetchedQueue: false })
    const drop = { type: 'mqtt.drop', clientId: 'c1', at: 1, stage: 'message', topic: 'a/b', reason: 'no_subscribers', qos: 1, payload: Buffer.from('p'), msgId: 'm1' } as const
    const authz = { type: 'mqtt.authz', clientId: 'c1', at: 1, action: 'subscribe', topic: 'x/#', result: 'deny', source: 'aedes' } as const
    const connack = { type: 'mqtt.connack', clientId: 'c1', at: 1, reasonCode: 5, sessionPresent: false, username: 'u' } as const
    expect(decide(ctx(new Set()), drop)).toEqual([])
    expect(decide(ctx(new Set()), authz)).toEqual([])
    expect(decide(ctx(new Set(['DeliveryDropped'])), drop)).toEqual([])
    expect(decide(ctx(all), drop)).toEqual([{ type: 'MessageDropped', data: { topic: 'a/b', qos: 1, msgId: 'm1', reason: 'no_subscribers', payload: Buffer.from('p'), extra: {} } }])
    expect(decide(ctx(all), { ...drop, stage: 'delivery' })[0]?.type).toBe('DeliveryDropped')
    expect(decide(ctx(all), authz)).toEqual([{
      type: 'AuthorizationChecked',
      data: { topic: 'x/#', qos: null, msgId: null, reason: 'deny', payload: null, extra: { action: 'subscribe', result: 'deny', authz_source: 'aedes' } },
    }])
    expect(decide(ctx(all), connack)).toEqual([{
      type: 'ConnackSent',
      data: { topic: null, qos: null, msgId: null, reason: '5', payload: null, extra: { reason_code: '5', session_present: 'false', username: 'u' } },
    }])
    // A publish is observed before what it stores: rules see it even when nothing is kept.
    const out = decide(ctx(all), publish('c1', 'queue/q', Buffer.from('x'), false))
    expect(out.map((d) => d.type)).toEqual(['MessagePublished', 'MessageStored'])
    expect(decide(ctx(new Set()), publish('c1', 'queue/q', Buffer.from('x'), false)).map((d) => d.type)).toEqual(['MessageStored'])
  })

  it('decide maps inputs to drafts without metadata, reading the rules and active filters from the context', () => {
    const ctx = (active: readonly string[] = []): SessionContext =>
      ({ clientId: 'c1', node: 'n1', seq: 0, connectionId: 'k1', rules: DEFAULT_OFFLINE_RULES, observe: new Set(), active, fetchedQueue: false })
    expect(decide(ctx(), unsubscribe('c1', 'f'))).toEqual([{ type: 'SubscriptionRemoved', data: { filter: 'f' } }])
    expect(decide(ctx(), publish('c1', 't', Buffer.from('x'), false))).toEqual([])
    const options = { nl: false, rap: false, rh: 0 }
    expect(decide(ctx(), subscribe('c1', 'pubsub/#', 1))).toEqual([
      { type: 'SubscriptionAdded', data: { filter: 'pubsub/#', qos: 1, options, fetch: true, pubsubStart: 'latest' } },
    ])
    expect(decide(ctx(['pubsub/#']), subscribe('c1', 'pubsub/#', 1))).toEqual([
      { type: 'SubscriptionAdded', data: { filter: 'pubsub/#', qos: 1, options, fetch: false, pubsubStart: 'latest' } },
    ])
    const payload = Buffer.from('x')
    expect(decide(ctx(), publish('c1', 'queue/a', payload, false, 10_000, { qos: 2, msgId: 'M' }))).toEqual([
      { type: 'MessageStored', data: { msgId: 'M', topic: 'queue/a', qos: 2, payload, retain: false, mode: 'queue', expiresAt: 10_000 + 7200 * 1000 } },
    ])
    expect(decide(ctx(), ack('c1', 'queue/a', 'M'))).toEqual([{ type: 'MessageAcked', data: { msgId: 'M', topic: 'queue/a', mode: 'queue' } }])
  })
})
