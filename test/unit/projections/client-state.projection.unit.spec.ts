import { describe, expect, it } from 'vitest'
import { clientStateProjection } from '../../../projections/client-state.projection.js'
import { project } from '../../../projections/index.js'
import { offlineProjection } from '../../../projections/offline.projection.js'
import { writeKey } from '../../../projections/writes.js'
import type { ClientConnected, ClientDisconnected, DomainEvent } from '../../../src/events/domain.js'
import { createKeys } from '../../../src/redis/keys.js'
import { applyWrites, emptyModel, meta, onceAndTwice, snapshot } from '../support/redis-model.js'

const keys = createKeys()
const connected = (clientId: string, at: number, node = 'n1'): ClientConnected => ({
  type: 'ClientConnected',
  data: { connectionId: 'k1', username: null, cleanStart: true, protocolVersion: 4 },
  meta: meta(clientId, 1, at, node),
})
const disconnected = (clientId: string, at: number, node = 'n1', heldQueue = true): ClientDisconnected => ({
  type: 'ClientDisconnected', data: { connectionId: 'k1', reason: 'normal', heldQueue }, meta: meta(clientId, 2, at, node),
})
const run = (events: DomainEvent[]) => snapshot(events.reduce((db, e) => applyWrites(db, clientStateProjection.project(e, keys)), emptyModel()))

describe('client-state projection', () => {
  it('handles only connection events', () => {
    expect(clientStateProjection.canHandle(connected('c', 0))).toBe(true)
    expect(clientStateProjection.canHandle(disconnected('c', 0))).toBe(true)
    const sub: DomainEvent = { type: 'SubscriptionAdded', data: { filter: 'a', qos: 0, options: { nl: false, rap: false, rh: 0 }, fetch: false, pubsubStart: null }, meta: meta('c', 1, 0) }
    expect(clientStateProjection.canHandle(sub)).toBe(false)
    expect(clientStateProjection.project(sub, keys)).toEqual([])
  })

  it('given nothing, when ClientConnected, then state 1, online_at in seconds, offline_at undefined (hsetnx), node entry', () => {
    expect(clientStateProjection.project(connected('dev-1', 1_700_000_000_999, 'node-a'), keys)).toEqual([
      { op: 'hset', key: 'mqtt:client:dev-1', fields: [['state', '1'], ['online_at', '1700000000']] },
      { op: 'hsetnx', key: 'mqtt:client:dev-1', field: 'offline_at', value: 'undefined' },
      { op: 'hset', key: 'mqtt:node:node-a', fields: [['dev-1', '1700000000']] },
    ])
    expect(run([connected('dev-1', 1_700_000_000_999, 'node-a')])).toEqual({
      'mqtt:client:dev-1': { hash: { state: '1', online_at: '1700000000', offline_at: 'undefined' } },
      'mqtt:node:node-a': { hash: { 'dev-1': '1700000000' } },
    })
  })

  it('given online, when ClientDisconnected, then state 0, offline_at in seconds, removed from the node hash', () => {
    expect(clientStateProjection.project(disconnected('dev-1', 1_700_000_050_001, 'node-a'), keys)).toEqual([
      { op: 'hset', key: 'mqtt:client:dev-1', fields: [['state', '0'], ['offline_at', '1700000050']] },
      { op: 'hdel', key: 'mqtt:node:node-a', field: 'dev-1' },
    ])
    expect(run([connected('dev-1', 1_700_000_000_000, 'node-a'), disconnected('dev-1', 1_700_000_050_001, 'node-a')])).toEqual({
      'mqtt:client:dev-1': { hash: { state: '0', online_at: '1700000000', offline_at: '1700000050' } },
    })
  })

  it('given a previous disconnect, when ClientConnected again, then offline_at keeps the last disconnect time', () => {
    expect(run([connected('c', 10_000), disconnected('c', 20_000), connected('c', 30_000)])['mqtt:client:c']).toEqual({
      hash: { state: '1', online_at: '30', offline_at: '20' },
    })
  })

  it('keeps other clients on the same node', () => {
    expect(run([connected('a', 1000), connected('b', 2000), disconnected('a', 3000)])['mqtt:node:n1']).toEqual({ hash: { b: '2' } })
  })

  it('honours a custom prefix', () => {
    const writes = clientStateProjection.project(connected('c', 5000, 'nx'), createKeys('tenant1:'))
    expect(writes.map(writeKey)).toEqual(['tenant1:client:c', 'tenant1:client:c', 'tenant1:node:nx'])
    expect(clientStateProjection.project(disconnected('c', 5000, 'nx'), createKeys('t:')).map(writeKey)).toEqual(['t:client:c', 't:node:nx'])
  })

  it('project() routes ClientConnected to this projection only', () => {
    const e = connected('c', 5000)
    expect(project(e, keys)).toEqual(clientStateProjection.project(e, keys))
  })

  it('project() routes ClientDisconnected to this projection, then to the offline projection (queue holds released)', () => {
    const e = disconnected('c', 5000)
    const own = clientStateProjection.project(e, keys)
    const offline = offlineProjection.project(e, keys)
    expect(own).toHaveLength(2)
    expect(offline).toEqual([{ op: 'script', name: 'releaseHolds', keys: ['mqtt:idx:holding:c'], args: ['c', 'mqtt:idx:claims:'] }])
    expect(project(e, keys)).toEqual([...own, ...offline])
    // A connection that never fetched from a queue holds nothing: no script at all.
    expect(offlineProjection.project(disconnected('c', 5000, 'n1', false), keys)).toEqual([])
  })

  describe('delivered twice', () => {
    it.each<[string, DomainEvent[], DomainEvent]>([
      ['ClientConnected on nothing', [], connected('c', 1000)],
      ['ClientConnected after a disconnect', [connected('c', 1000), disconnected('c', 2000)], connected('c', 3000)],
      ['ClientDisconnected while online', [connected('c', 1000)], disconnected('c', 2000)],
      ['ClientDisconnected on nothing', [], disconnected('c', 2000)],
    ])('%s: applying the writes twice leaves the state applying them once left', (_n, given, e) => {
      const before = given.flatMap((g) => clientStateProjection.project(g, keys))
      const { once, twice } = onceAndTwice(before, clientStateProjection.project(e, keys))
      expect(Object.keys(once).length).toBeGreaterThan(0)
      expect(twice).toEqual(once)
    })
  })
})
