import { describe, expect, it } from 'vitest'
import { project } from '../../../projections/index.js'
import { retainedProjection } from '../../../projections/retained.projection.js'
import { writeKey } from '../../../projections/writes.js'
import type { DomainEvent, RetainedMessageCleared, RetainedMessageSet } from '../../../src/events/domain.js'
import type { QoS } from '../../../src/events/input.js'
import { createKeys } from '../../../src/redis/keys.js'
import { applyWrites, emptyModel, meta, onceAndTwice, snapshot } from '../support/redis-model.js'

const keys = createKeys()
const binary = Buffer.from([0x00, 0xff, 0x80, 0x0a, 0xc3, 0x28])
const set = (topic: string, payload: Buffer, opts: { qos?: QoS; from?: string; at?: number; id?: string } = {}): RetainedMessageSet => ({
  type: 'RetainedMessageSet',
  data: { msgId: opts.id ?? 'MSGID0000000000000001', topic, qos: opts.qos ?? 1, payload },
  meta: meta(opts.from ?? 'pub-1', 1, opts.at ?? 1_700_000_123_456),
})
const cleared = (topic: string): RetainedMessageCleared => ({ type: 'RetainedMessageCleared', data: { topic }, meta: meta('pub-1', 2, 0) })
const run = (events: DomainEvent[]) => snapshot(events.reduce((db, e) => applyWrites(db, retainedProjection.project(e, keys)), emptyModel()))

describe('retained projection', () => {
  it('handles only retained events', () => {
    expect(retainedProjection.canHandle(set('t', binary))).toBe(true)
    expect(retainedProjection.canHandle(cleared('t'))).toBe(true)
    const other: DomainEvent = { type: 'SubscriptionRemoved', data: { filter: 't' }, meta: meta('c', 1, 0) }
    expect(retainedProjection.canHandle(other)).toBe(false)
    expect(retainedProjection.project(other, keys)).toEqual([])
  })

  it('when RetainedMessageSet, then hset mqtt:retain:<topic> {id, from, qos, topic, retain, payload, ts}, drop a stale broker packet, and zadd the index', () => {
    const writes = retainedProjection.project(set('sensors/1/temp', binary, { qos: 2, from: 'dev-9', id: 'ID1' }), keys)
    expect(writes).toEqual([
      {
        op: 'hset',
        key: 'mqtt:retain:sensors/1/temp',
        fields: [['id', 'ID1'], ['from', 'dev-9'], ['qos', '2'], ['topic', 'sensors/1/temp'], ['retain', 'true'], ['payload', binary], ['ts', '1700000123']],
      },
      { op: 'hdel', key: 'mqtt:retain:sensors/1/temp', field: 'packet' },
      { op: 'zadd', key: 'mqtt:idx:retain', score: 0, member: 'sensors/1/temp' },
    ])
  })

  it('keeps the payload byte-exact, as a Buffer', () => {
    const [hset] = retainedProjection.project(set('t', binary), keys)
    if (hset?.op !== 'hset') throw new Error('expected hset first')
    const payload = hset.fields.find(([f]) => f === 'payload')?.[1]
    expect(Buffer.isBuffer(payload)).toBe(true)
    expect(Buffer.compare(payload as Buffer, binary)).toBe(0)
  })

  it('given a retained message, when a new one is set on the topic, then it replaces the fields and the index holds the topic once', () => {
    const state = run([set('a/b', Buffer.from('old'), { id: 'I1', qos: 0 }), set('a/b', Buffer.from('new'), { id: 'I2', qos: 1, at: 2000 }), set('c', binary)])
    expect(state['mqtt:retain:a/b']).toEqual({ hash: { id: 'I2', from: 'pub-1', qos: '1', topic: 'a/b', retain: 'true', payload: Buffer.from('new'), ts: '2' } })
    expect(state['mqtt:idx:retain']).toEqual({ zset: { 'a/b': 0, c: 0 } })
  })

  it('when RetainedMessageCleared, then del the hash and zrem the topic from the index', () => {
    expect(retainedProjection.project(cleared('a/b'), keys)).toEqual([
      { op: 'del', key: 'mqtt:retain:a/b' },
      { op: 'zrem', key: 'mqtt:idx:retain', member: 'a/b' },
    ])
    expect(run([set('a/b', binary), set('c', binary), cleared('a/b')])).toEqual({
      'mqtt:retain:c': expect.anything(),
      'mqtt:idx:retain': { zset: { c: 0 } },
    })
    expect(run([set('a/b', binary), cleared('a/b')])).toEqual({})
  })

  it('honours a custom prefix', () => {
    const k = createKeys('x:')
    expect(retainedProjection.project(set('t/1', binary), k).map(writeKey)).toEqual(['x:retain:t/1', 'x:retain:t/1', 'x:idx:retain'])
    expect(retainedProjection.project(cleared('t/1'), k).map(writeKey)).toEqual(['x:retain:t/1', 'x:idx:retain'])
  })

  it('project() routes retained events to this projection only', () => {
    const e = set('t', binary)
    expect(project(e, keys)).toEqual(retainedProjection.project(e, keys))
  })

  describe('delivered twice', () => {
    it.each<[string, DomainEvent[], DomainEvent]>([
      ['RetainedMessageSet on nothing', [], set('a/b', binary)],
      ['RetainedMessageSet over an older message', [set('a/b', Buffer.from('old'), { id: 'I0' })], set('a/b', binary, { id: 'I1' })],
      ['RetainedMessageCleared of one of two', [set('a/b', binary), set('c', binary)], cleared('a/b')],
    ])('%s: applying the writes twice leaves the state applying them once left', (_n, given, e) => {
      const before = given.flatMap((g) => retainedProjection.project(g, keys))
      const { once, twice } = onceAndTwice(before, retainedProjection.project(e, keys))
      expect(Object.keys(once).length).toBeGreaterThan(0)
      expect(twice).toEqual(once)
    })

    it('RetainedMessageCleared of the only message: twice leaves nothing, as once does', () => {
      const { once, twice } = onceAndTwice(retainedProjection.project(set('a', binary), keys), retainedProjection.project(cleared('a'), keys))
      expect(once).toEqual({})
      expect(twice).toEqual({})
    })
  })
})
