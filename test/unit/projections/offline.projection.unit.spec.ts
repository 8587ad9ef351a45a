import { describe, expect, it } from 'vitest'
import { project } from '../../../projections/index.js'
import { offlineProjection, topicMember } from '../../../projections/offline.projection.js'
import type { RedisWrite } from '../../../projections/writes.js'
import type {
  ClientConnected, ClientDisconnected, DomainEvent, MessageAcked, MessageStored, RetainedMessageSet, SubscriptionAdded, SubscriptionRemoved,
} from '../../../src/events/domain.js'
import type { OfflineMode } from '../../../src/offline/rules.js'
import { createKeys } from '../../../src/redis/keys.js'
import { scriptDefs } from '../../../src/redis/scripts.js'
import { meta, onceAndTwice } from '../support/redis-model.js'

const keys = createKeys()
const binary = Buffer.from([0x00, 0xff, 0x80, 0x0a, 0xc3, 0x28])
const AT = 1_700_000_123_456
const EXPIRES = AT + 7200 * 1000

const stored = (mode: OfflineMode, opts: { topic?: string; id?: string; qos?: 1 | 2; retain?: boolean; from?: string } = {}): MessageStored => ({
  type: 'MessageStored',
  data: {
    msgId: opts.id ?? 'MSGID0000000000000001',
    topic: opts.topic ?? `${mode}/a`,
    qos: opts.qos ?? 1,
    payload: binary,
    retain: opts.retain ?? false,
    mode,
    expiresAt: EXPIRES,
  },
  meta: meta(opts.from ?? 'pub-1', 1, AT),
})
const acked = (mode: OfflineMode, topic: string, msgId = 'M1', clientId = 'sub-1'): MessageAcked => ({
  type: 'MessageAcked', data: { msgId, topic, mode }, meta: meta(clientId, 3, AT),
})
const disconnected = (clientId: string, heldQueue = true): ClientDisconnected => ({
  type: 'ClientDisconnected', data: { connectionId: 'k1', reason: 'normal', heldQueue }, meta: meta(clientId, 2, AT),
})
const added = (clientId: string, filter: string, pubsubStart: 'latest' | 'oldest' | null): SubscriptionAdded => ({
  type: 'SubscriptionAdded',
  data: { filter, qos: 1, options: { nl: false, rap: false, rh: 0 }, fetch: true, pubsubStart },
  meta: meta(clientId, 1, AT),
})
const removed = (clientId: string, filter: string): SubscriptionRemoved => ({
  type: 'SubscriptionRemoved', data: { filter }, meta: meta(clientId, 4, AT),
})

/**
 * What a script's .lua header documents: the key pattern of each KEYS[i] (the
 * last parenthesis of its line) and the number of ARGV entries.
 */
function documented(name: string): { numberOfKeys: number; keyPatterns: string[]; argc: number } {
  const def = scriptDefs().find((d) => d.name === name)
  if (!def) throw new Error(`no script ${name}`)
  const header = def.lua.split(']]')[0] ?? ''
  const keyPatterns = [...header.matchAll(/^\s*KEYS\[(\d+)\].*\(([^()]*)\)\s*$/gm)].map((m) => {
    expect(Number(m[1])).toBeGreaterThan(0)
    return m[2] ?? ''
  })
  const argv = /^\s*ARGV\s+(.+)$/m.exec(header)?.[1] ?? ''
  return { numberOfKeys: def.numberOfKeys, keyPatterns, argc: argv.split(',').length }
}

/** A script write agrees with its .lua header: as many keys and args, each key of the documented pattern. */
function expectAsDocumented(w: RedisWrite | undefined, vars: Record<string, string>): void {
  if (w?.op !== 'script') throw new Error(`expected a script write, got ${JSON.stringify(w)}`)
  const doc = documented(w.name)
  expect(w.keys).toHaveLength(doc.numberOfKeys)
  expect(doc.keyPatterns).toHaveLength(doc.numberOfKeys)
  expect(w.args).toHaveLength(doc.argc)
  const expected = doc.keyPatterns.map((p) => p.replace(/\$\{(\w+)\}/g, (_m, v: string) => {
    const value = vars[v]
    if (value === undefined) throw new Error(`no value for \${${v}} in ${p}`)
    return value
  }))
  expect(w.keys).toEqual(expected)
}

describe('offline projection', () => {
  it('handles stored messages, acks, disconnects, pubsub subscriptions and unsubscriptions; nothing else', () => {
    expect(offlineProjection.canHandle(stored('queue'))).toBe(true)
    expect(offlineProjection.canHandle(acked('pubsub', 'pubsub/a'))).toBe(true)
    expect(offlineProjection.canHandle(disconnected('c'))).toBe(true)
    expect(offlineProjection.canHandle(added('c', 'pubsub/#', 'latest'))).toBe(true)
    expect(offlineProjection.canHandle(added('c', 'queue/#', null))).toBe(false)
    expect(offlineProjection.canHandle(removed('c', 'f'))).toBe(true)
    const connected: ClientConnected = {
      type: 'ClientConnected', data: { connectionId: 'k', username: null, cleanStart: true, protocolVersion: 5 }, meta: meta('c', 1, 0),
    }
    const retained: RetainedMessageSet = { type: 'RetainedMessageSet', data: { msgId: 'M', topic: 'queue/a', qos: 1, payload: binary }, meta: meta('c', 1, 0) }
    for (const e of [connected, retained] satisfies DomainEvent[]) {
      expect(offlineProjection.canHandle(e)).toBe(false)
      expect(offlineProjection.project(e, keys)).toEqual([])
    }
  })

  describe('given a MessageStored', () => {
    it.each(['queue', 'pubsub'] as const)('in %s mode, then one storeMessage script with keys [seq, msg hash, topic index, msg_topics, expiry]', (mode) => {
      const topic = `${mode}/sensors/1`
      expect(offlineProjection.project(stored(mode, { topic, id: 'ID1', qos: 2, from: 'dev-9' }), keys)).toEqual([{
        op: 'script',
        name: 'storeMessage',
        keys: ['mqtt:idx:seq', 'mqtt:msg:ID1', `mqtt:msg:${topic}`, 'mqtt:idx:msg_topics', 'mqtt:idx:expiry'],
        // msgid, from, qos, topic, retain, payload, ts (s), expire_at (ms), expiry member
        args: ['ID1', 'dev-9', '2', topic, 'false', binary, '1700000123', String(EXPIRES), `${topic}\u0000ID1`],
      }])
    })

    it('writes retain as "true" or "false"', () => {
      const arg = (retain: boolean) => {
        const [w] = offlineProjection.project(stored('queue', { retain }), keys)
        return w?.op === 'script' ? w.args[4] : undefined
      }
      expect(arg(true)).toBe('true')
      expect(arg(false)).toBe('false')
    })

    it('ts is the publish time in Unix seconds (floored), expire_at the expiry in milliseconds, as a string', () => {
      const e: MessageStored = { ...stored('pubsub'), data: { ...stored('pubsub').data, expiresAt: 1_700_000_999_999 }, meta: meta('p', 1, 1_700_000_000_999) }
      const [w] = offlineProjection.project(e, keys)
      if (w?.op !== 'script') throw new Error('expected a script')
      expect(w.args[6]).toBe('1700000000')
      expect(w.args[7]).toBe('1700000999999')
    })

    it('keeps the payload byte-exact, as a Buffer', () => {
      const [w] = offlineProjection.project(stored('queue'), keys)
      if (w?.op !== 'script') throw new Error('expected a script')
      const p = w.args[5]
      expect(Buffer.isBuffer(p)).toBe(true)
      expect(Buffer.compare(p as Buffer, binary)).toBe(0)
    })

    it('in latest mode, then one storeLatest script with the message key prefix as its last arg', () => {
      expect(offlineProjection.project(stored('latest', { topic: 'state/lamp', id: 'L1', from: 'dev-2' }), keys)).toEqual([{
        op: 'script',
        name: 'storeLatest',
        keys: ['mqtt:msg:L1', 'mqtt:latest_msg:state/lamp', 'mqtt:idx:msg_topics', 'mqtt:idx:expiry', 'mqtt:idx:seq'],
        args: ['L1', 'dev-2', '1', 'state/lamp', 'false', binary, '1700000123', String(EXPIRES), 'state/lamp\u0000L1', 'mqtt:msg:'],
      }])
    })

    it.each(['queue', 'pubsub', 'latest'] as const)('in %s mode, the write agrees with the script\'s .lua header', (mode) => {
      const [w] = offlineProjection.project(stored(mode, { topic: 't/x', id: 'I9' }), keys)
      expectAsDocumented(w, { msgid: 'I9', topic: 't/x' })
    })

    it('the expiry member is topic NUL msgid', () => {
      expect(topicMember('a/b', 'ID')).toBe('a/b\u0000ID')
      expect(topicMember('a/b', 'ID')).toHaveLength(6)
    })
  })

  describe('given a MessageAcked', () => {
    it('in queue mode, then one ackQueue script', () => {
      expect(offlineProjection.project(acked('queue', 'queue/a', 'Q1', 'c9'), keys)).toEqual([{
        op: 'script',
        name: 'ackQueue',
        keys: ['mqtt:msg:Q1', 'mqtt:msg:queue/a', 'mqtt:idx:claims:queue/a', 'mqtt:idx:holding:c9', 'mqtt:idx:expiry', 'mqtt:idx:msg_topics'],
        args: ['Q1', 'queue/a', 'queue/a\u0000Q1'],
      }])
    })

    it('in pubsub mode, then one ackPubsub script', () => {
      expect(offlineProjection.project(acked('pubsub', 'pubsub/x', 'P1', 'c9'), keys)).toEqual([{
        op: 'script',
        name: 'ackPubsub',
        keys: ['mqtt:msg:pubsub/x', 'mqtt:idx:cursor:c9', 'mqtt:acked:c9:pubsub/x'],
        args: ['pubsub/x', 'P1'],
      }])
    })

    it.each(['queue', 'pubsub', 'latest'] as const)('in %s mode, the write agrees with the script\'s .lua header', (mode) => {
      const [w] = offlineProjection.project(acked(mode, 't/x', 'I9', 'c9'), keys)
      expectAsDocumented(w, { msgid: 'I9', topic: 't/x', clientid: 'c9' })
    })

    it('in latest mode, then one ackLatest script: record the ack only if L1 is still the newest message', () => {
      const writes = offlineProjection.project(acked('latest', 'state/lamp', 'L1', 'c9'), keys)
      expect(writes).toEqual([{ op: 'script', name: 'ackLatest', keys: ['mqtt:latest_msg:state/lamp', 'mqtt:acked:c9:state/lamp'], args: ['L1'] }])
    })
  })

  describe('given a ClientDisconnected', () => {
    it('then one releaseHolds script on mqtt:idx:holding:<client> with [clientId, claims prefix]', () => {
      const writes = offlineProjection.project(disconnected('dev-1'), keys)
      expect(writes).toEqual([{ op: 'script', name: 'releaseHolds', keys: ['mqtt:idx:holding:dev-1'], args: ['dev-1', 'mqtt:idx:claims:'] }])
      expectAsDocumented(writes[0], { clientid: 'dev-1' })
    })
  })

  describe('given a SubscriptionAdded', () => {
    it.each(['latest', 'oldest'] as const)('with pubsubStart %s, then one markSince script', (start) => {
      const writes = offlineProjection.project(added('c9', 'pubsub/+/t', start), keys)
      expect(writes).toEqual([{ op: 'script', name: 'markSince', keys: ['mqtt:idx:since:c9', 'mqtt:idx:seq'], args: ['pubsub/+/t', start] }])
      expectAsDocumented(writes[0], { clientid: 'c9' })
    })

    it('with pubsubStart null, then nothing from this projection (only the subscription hash from project())', () => {
      const e = added('c9', 'queue/#', null)
      expect(offlineProjection.project(e, keys)).toEqual([])
      expect(project(e, keys)).toEqual([{ op: 'hset', key: 'mqtt:sub:c9', fields: [['queue/#', '1']] }])
    })
  })

  describe('given a SubscriptionRemoved', () => {
    it('then del the acked key of the filter, hdel its start and hdel its cursor', () => {
      expect(offlineProjection.project(removed('c9', 'pubsub/x'), keys)).toEqual([
        { op: 'del', key: 'mqtt:acked:c9:pubsub/x' },
        { op: 'hdel', key: 'mqtt:idx:since:c9', field: 'pubsub/x' },
        { op: 'hdel', key: 'mqtt:idx:cursor:c9', field: 'pubsub/x' },
      ])
    })

    it('delivered twice: leaves the state applying it once left, other filters and clients kept', () => {
      const before: RedisWrite[] = [
        { op: 'set', key: 'mqtt:acked:c9:pubsub/x', value: 'P1' },
        { op: 'set', key: 'mqtt:acked:c9:pubsub/y', value: 'P2' },
        { op: 'set', key: 'mqtt:acked:c8:pubsub/x', value: 'P3' },
        { op: 'hset', key: 'mqtt:idx:since:c9', fields: [['pubsub/x', '3'], ['pubsub/#', '1']] },
        { op: 'hset', key: 'mqtt:idx:cursor:c9', fields: [['pubsub/x', '5']] },
      ]
      const { once, twice } = onceAndTwice(before, offlineProjection.project(removed('c9', 'pubsub/x'), keys))
      expect(once).toEqual({
        'mqtt:acked:c8:pubsub/x': { string: 'P3' },
        'mqtt:acked:c9:pubsub/y': { string: 'P2' },
        'mqtt:idx:since:c9': { hash: { 'pubsub/#': '1' } },
      })
      expect(twice).toEqual(once)
    })
  })

  it('honours a custom prefix, in keys and in key prefixes passed as args', () => {
    const k = createKeys('t1:')
    const all = [
      stored('queue', { topic: 'q/a', id: 'I' }), stored('latest', { topic: 'l/a', id: 'I' }),
      acked('queue', 'q/a', 'I', 'c'), acked('pubsub', 'p/a', 'I', 'c'), acked('latest', 'l/a', 'I', 'c'),
      disconnected('c'), added('c', 'p/#', 'oldest'), removed('c', 'p/#'),
    ].flatMap((e) => offlineProjection.project(e, k))
    const touched = all.flatMap((w) => (w.op === 'script' ? w.keys : [w.key]))
    expect(touched.length).toBeGreaterThan(15)
    for (const key of touched) expect(key.startsWith('t1:'), key).toBe(true)
    expect(all).toContainEqual(expect.objectContaining({ name: 'storeLatest', args: expect.arrayContaining(['t1:msg:']) }))
    expect(all).toContainEqual({ op: 'script', name: 'releaseHolds', keys: ['t1:idx:holding:c'], args: ['c', 't1:idx:claims:'] })
    expect(offlineProjection.project(stored('pubsub', { topic: 'p/a', id: 'I' }), k)).toEqual([
      expect.objectContaining({ keys: ['t1:idx:seq', 't1:msg:I', 't1:msg:p/a', 't1:idx:msg_topics', 't1:idx:expiry'] }),
    ])
  })

  it('project() sends MessageStored and MessageAcked to this projection only', () => {
    for (const e of [stored('queue'), stored('pubsub'), stored('latest'), acked('queue', 'queue/a'), acked('latest', 'x')]) {
      expect(project(e, keys)).toEqual(offlineProjection.project(e, keys))
      expect(project(e, keys)).toHaveLength(1)
    }
  })
})
