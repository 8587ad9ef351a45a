import { describe, expect, it } from 'vitest'
import { project } from '../../../projections/index.js'
import { sessionStoreProjection } from '../../../projections/session-store.projection.js'
import { offlineProjection } from '../../../projections/offline.projection.js'
import { subscriptionsProjection } from '../../../projections/subscriptions.projection.js'
import { writeKey } from '../../../projections/writes.js'
import type { DomainEvent, SubscriptionAdded, SubscriptionRemoved } from '../../../src/events/domain.js'
import type { QoS } from '../../../src/events/input.js'
import { createKeys } from '../../../src/redis/keys.js'
import { applyWrites, emptyModel, meta, onceAndTwice, snapshot } from '../support/redis-model.js'

const keys = createKeys()
const added = (clientId: string, filter: string, qos: QoS, pubsubStart: 'latest' | 'oldest' | null = null): SubscriptionAdded => ({
  type: 'SubscriptionAdded',
  data: { filter, qos, options: { nl: true, rap: true, rh: 2 }, fetch: qos > 0, pubsubStart },
  meta: meta(clientId, 1, 1000),
})
const removed = (clientId: string, filter: string): SubscriptionRemoved => ({
  type: 'SubscriptionRemoved', data: { filter }, meta: meta(clientId, 2, 2000),
})
const run = (events: DomainEvent[]) => snapshot(events.reduce((db, e) => applyWrites(db, subscriptionsProjection.project(e, keys)), emptyModel()))

describe('subscriptions projection', () => {
  it('handles only subscription events', () => {
    expect(subscriptionsProjection.canHandle(added('c', 'a', 0))).toBe(true)
    expect(subscriptionsProjection.canHandle(removed('c', 'a'))).toBe(true)
    const other: DomainEvent = { type: 'RetainedMessageCleared', data: { topic: 't' }, meta: meta('c', 1, 0) }
    expect(subscriptionsProjection.canHandle(other)).toBe(false)
    expect(subscriptionsProjection.project(other, keys)).toEqual([])
  })

  it.each([0, 1, 2] as const)('when SubscriptionAdded with qos %i, then hset mqtt:sub:<id> filter -> qos as a string', (qos) => {
    expect(subscriptionsProjection.project(added('dev-1', 'sensors/+/temp', qos), keys)).toEqual([
      { op: 'hset', key: 'mqtt:sub:dev-1', fields: [['sensors/+/temp', String(qos)]] },
    ])
  })

  it('stores only the QoS, not the subscription options, fetch or pubsub start', () => {
    expect(run([added('c', 'a/#', 1)])).toEqual({ 'mqtt:sub:c': { hash: { 'a/#': '1' } } })
    expect(subscriptionsProjection.project(added('c', 'pubsub/#', 2, 'oldest'), keys)).toEqual([
      { op: 'hset', key: 'mqtt:sub:c', fields: [['pubsub/#', '2']] },
    ])
  })

  it('given a subscription, when it is added again with another QoS, then the new QoS replaces the old', () => {
    expect(run([added('c', 'a/#', 1), added('c', 'a/#', 2), added('c', 'b', 0)])).toEqual({ 'mqtt:sub:c': { hash: { 'a/#': '2', b: '0' } } })
  })

  it('when SubscriptionRemoved, then hdel the filter', () => {
    expect(subscriptionsProjection.project(removed('dev-1', 'a/#'), keys)).toEqual([{ op: 'hdel', key: 'mqtt:sub:dev-1', field: 'a/#' }])
    expect(run([added('c', 'a/#', 1), added('c', 'b', 0), removed('c', 'a/#')])).toEqual({ 'mqtt:sub:c': { hash: { b: '0' } } })
    expect(run([added('c', 'a/#', 1), removed('c', 'a/#')])).toEqual({})
  })

  it('keeps clients apart', () => {
    expect(run([added('x', 'f', 1), added('y', 'f', 2), removed('x', 'f')])).toEqual({ 'mqtt:sub:y': { hash: { f: '2' } } })
  })

  it('honours a custom prefix', () => {
    expect(subscriptionsProjection.project(added('c', 'f', 1), createKeys('p/')).map(writeKey)).toEqual(['p/sub:c'])
    expect(subscriptionsProjection.project(removed('c', 'f'), createKeys('p/')).map(writeKey)).toEqual(['p/sub:c'])
  })

  it('project() routes a SubscriptionAdded without a pubsub start to this projection only', () => {
    const e = added('c', 'f', 1)
    expect(project(e, keys)).toEqual(subscriptionsProjection.project(e, keys))
    expect(project(e, keys)).toHaveLength(1)
  })

  it('project() routes a SubscriptionAdded with a pubsub start to this projection, then to the offline projection', () => {
    const e = added('c', 'pubsub/#', 1, 'latest')
    const own = subscriptionsProjection.project(e, keys)
    expect(own).toEqual([{ op: 'hset', key: 'mqtt:sub:c', fields: [['pubsub/#', '1']] }])
    expect(project(e, keys)).toEqual([
      ...own,
      { op: 'script', name: 'markSince', keys: ['mqtt:idx:since:c', 'mqtt:idx:seq'], args: ['pubsub/#', 'latest'] },
    ])
  })

  it('project() routes SubscriptionRemoved to this projection, then to the offline and session-store projections', () => {
    const e = removed('c', 'f')
    const own = subscriptionsProjection.project(e, keys)
    const offline = offlineProjection.project(e, keys)
    const session = sessionStoreProjection.project(e, keys)
    expect(own).toEqual([{ op: 'hdel', key: 'mqtt:sub:c', field: 'f' }])
    expect(offline.length).toBeGreaterThan(0)
    expect(session).toEqual([expect.objectContaining({ op: 'script', name: 'sessionUnsubscribe' })])
    expect(project(e, keys)).toEqual([...own, ...offline, ...session])
  })

  describe('delivered twice', () => {
    it.each<[string, DomainEvent[], DomainEvent]>([
      ['SubscriptionAdded on nothing', [], added('c', 'a/#', 1)],
      ['SubscriptionAdded over another QoS', [added('c', 'a/#', 0)], added('c', 'a/#', 2)],
      ['SubscriptionRemoved of one of two', [added('c', 'a', 1), added('c', 'b', 1)], removed('c', 'a')],
      ['SubscriptionRemoved of the last', [added('c', 'a', 1), added('d', 'a', 1)], removed('c', 'a')],
    ])('%s: applying the writes twice leaves the state applying them once left', (_n, given, e) => {
      const before = given.flatMap((g) => subscriptionsProjection.project(g, keys))
      const { once, twice } = onceAndTwice(before, subscriptionsProjection.project(e, keys))
      expect(Object.keys(once).length).toBeGreaterThan(0)
      expect(twice).toEqual(once)
    })
  })
})
