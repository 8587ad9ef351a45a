/**
 * The fast path of the boundary (decode-fast.ts) against the checked one:
 * decodeInput must answer exactly what decodeInputChecked answers, with the
 * same property order and the same calls on the stamp.
 */
import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeFast } from '../../../src/events/decode-fast.js'
import { decodeInput, decodeInputChecked, DEFAULT_LIMITS, type DecodeLimits, type Stamp } from '../../../src/events/decode.js'
import { DEFAULT_SUB_OPTIONS } from '../../../src/events/input.js'

/** A deterministic stamp that counts its calls; nextId answers an increasing counter. */
function counting(): Stamp & { calls: { now: number; nextId: number } } {
  const calls = { now: 0, nextId: 0 }
  return {
    calls,
    now: () => {
      calls.now += 1
      return 1_700_000_000_000 + calls.now
    },
    nextId: (at: number) => {
      calls.nextId += 1
      return `id-${at}-${calls.nextId}`
    },
  }
}

/** Key order, nested: two events with the same shape list the same keys in the same order. */
function shape(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return 'Buffer'
  if (typeof v !== 'object' || v === null) return typeof v
  return Object.entries(v).map(([k, x]) => [k, shape(x)])
}

const tight: DecodeLimits = { maxPayloadBytes: 4, maxClientIdBytes: 5 }
const limitsArb = fc.constantFrom(DEFAULT_LIMITS, tight)

// Mostly plain text, sometimes what a topic, filter or UTF-8 check refuses.
const unit = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('a', 'b', 'c', 'é', '😀', '$', ' ') },
  { weight: 1, arbitrary: fc.constantFrom('+', '#', '/', '\u0000', '\uD800', '\uDC00', '\uFEFF') },
)
const text = fc.string({ unit, maxLength: 8 })
const nonEmpty = fc.string({ unit, minLength: 1, maxLength: 8 })
const level = fc.string({ unit: fc.constantFrom('a', 'b', 'é', '$'), minLength: 1, maxLength: 4 })
const topic = fc.oneof({ weight: 3, arbitrary: fc.array(level, { minLength: 1, maxLength: 4 }).map((l) => l.join('/')) }, { weight: 1, arbitrary: text })
const filter = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.oneof(level, fc.constantFrom('+', '#')), { minLength: 1, maxLength: 4 }).map((l) => l.join('/')) },
  { weight: 1, arbitrary: text },
)
// -0 passes the checked path's `=== 0` and comes out as -0: the fast path must keep it too.
const qos = fc.constantFrom(0, 1, 2, -0)
const absent = fc.constantFrom(undefined, null)
const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null | undefined> => fc.oneof({ weight: 3, arbitrary: a }, { weight: 1, arbitrary: absent })
const payload = fc.oneof(
  text,
  fc.uint8Array({ maxLength: 6 }).map((u) => Buffer.from(u)),
  // A view into a larger buffer: the decoded Buffer must be a view of the same bytes.
  fc.uint8Array({ minLength: 2, maxLength: 8 }).map((u) => u.subarray(1)),
)
const options = fc.record({ nl: fc.boolean(), rap: fc.boolean(), rh: fc.constantFrom(0, 1, 2, -0) }, { requiredKeys: [], noNullPrototype: true })
const box = fc.constantFrom('outgoing', 'incoming', 'will')
const messageId = opt(fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.constant(-0)))

// Plain objects, as a host builds them; optional fields sometimes left out.
const rec = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }, requiredKeys: (keyof T)[]) => fc.record(model, { requiredKeys, noNullPrototype: true })
const valid: fc.Arbitrary<Record<string, unknown>>[] = [
  rec({ type: fc.constant('mqtt.connect'), clientId: nonEmpty, connectionId: text, username: opt(text), cleanStart: fc.boolean(), protocolVersion: fc.constantFrom(3, 4, 5) },
    ['type', 'clientId', 'connectionId']),
  rec({ type: fc.constant('mqtt.disconnect'), clientId: nonEmpty, connectionId: text, reason: opt(text) }, ['type', 'clientId', 'connectionId']),
  rec({ type: fc.constant('mqtt.subscribe'), clientId: nonEmpty, filter, qos, options: opt(options), resubscribe: fc.boolean() }, ['type', 'clientId', 'filter', 'qos']),
  rec({ type: fc.constant('mqtt.unsubscribe'), clientId: nonEmpty, filter }, ['type', 'clientId', 'filter']),
  rec({ type: fc.constant('mqtt.publish'), clientId: nonEmpty, topic, payload, qos, retain: fc.boolean(), expiryIntervalSec: opt(fc.constantFrom(0, -0, 60, 0xffffffff)) },
    ['type', 'clientId', 'topic', 'payload', 'qos']),
  rec({ type: fc.constant('mqtt.ack'), clientId: nonEmpty, topic, packetId: opt(fc.integer({ min: 1, max: 65535 })), msgId: opt(fc.oneof(text, fc.constant(''))) },
    ['type', 'clientId', 'topic']),
  rec({ type: fc.constant('session.subscribe'), clientId: nonEmpty, filter, qos, options: opt(options), stored: text }, ['type', 'clientId', 'filter', 'qos', 'stored']),
  rec({ type: fc.constant('session.retain'), clientId: nonEmpty, topic, payload, qos, packet: text }, ['type', 'clientId', 'topic', 'payload', 'qos', 'packet']),
  rec({ type: fc.constant('session.packet.put'), clientId: nonEmpty, box, id: text, order: fc.oneof(fc.nat(), fc.constantFrom(-0, Number.MAX_SAFE_INTEGER)), messageId, brokerId: opt(text), packet: text },
    ['type', 'clientId', 'box', 'id', 'packet']),
  rec({ type: fc.constant('session.packet.delete'), clientId: nonEmpty, box, id: text, messageId }, ['type', 'clientId', 'box', 'id']),
]

const keys = ['type', 'clientId', 'connectionId', 'username', 'cleanStart', 'protocolVersion', 'reason', 'filter', 'qos', 'options', 'resubscribe', 'topic',
  'payload', 'retain', 'expiryIntervalSec', 'packetId', 'msgId', 'stored', 'packet', 'box', 'id', 'order', 'messageId', 'brokerId', 'extra'] as const

// Values a field should not hold, and some it may: edges of every range, -0, wildcards, other types.
const small = fc.constantFrom(undefined, null, 0, -0, 1, 2, 3, -1, 1.5, 65535, 65536, 0xffffffff, 2 ** 32, Number.NaN, Infinity, 2 ** 53, '', '1', 'a/#', 'a/+/b',
  '#', 'a+', '\uD800', 'outgoing', 'will', true, false, 'mqtt.connect', 'mqtt.publish', 'mqtt.deliver', 'session.retain')
const junk = fc.oneof(
  { weight: 6, arbitrary: small },
  { weight: 2, arbitrary: text },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(new Uint8Array([0xff]), Buffer.from([0x61, 0xc3]), [], [1]) },
  { weight: 1, arbitrary: fc.record({ nl: small, rap: small, rh: small }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
)

// Edges of a numeric field's range, from its current value v.
const edges: ((v: number) => number)[] = [(v) => v + 0.5, (v) => v - 0.5, (v) => v + 1, (v) => v - 1, (v) => -v, () => -0, () => 65535, () => 65536,
  () => 2 ** 32, () => 2 ** 53, () => Number.NaN, () => Infinity]

type Mutation = { op: 'set' | 'delete' | 'bytes' | 'number'; key: (typeof keys)[number]; own: boolean; value: unknown; pick: number; edge: number; view: boolean }
const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('set', 'delete', 'bytes', 'number'), key: fc.constantFrom(...keys), own: fc.boolean(), value: junk, pick: fc.nat(),
  edge: fc.nat({ max: edges.length - 1 }), view: fc.boolean(),
})

function mutate(raw: Record<string, unknown>, m: Mutation): void {
  // Half the time a field the input has, else any field of any type (or an extra one).
  const own = Object.keys(raw)
  const key = m.own ? (own[m.pick % own.length] ?? m.key) : m.key
  if (m.op === 'delete') delete raw[key]
  else if (m.op === 'set') raw[key] = m.value
  else if (m.op === 'number') {
    // One of its numeric fields (qos, packetId, expiryIntervalSec, order, ...) moved to an edge of its range.
    const numbers = own.filter((k) => typeof raw[k] === 'number')
    const k = numbers[m.pick % Math.max(numbers.length, 1)]
    if (k !== undefined) raw[k] = (edges[m.edge] as (v: number) => number)(raw[k] as number)
  } else {
    // One of its string fields handed as UTF-8 bytes: the checked path decodes them, the fast one must not take them.
    const strings = Object.keys(raw).filter((k) => k !== 'type' && typeof raw[k] === 'string')
    const k = strings[m.pick % Math.max(strings.length, 1)]
    if (k === undefined) return
    const bytes = Buffer.from(raw[k] as string, 'utf8')
    raw[k] = m.view ? new Uint8Array(bytes) : bytes
  }
}

const at = fc.oneof(
  { weight: 4, arbitrary: fc.constant<unknown>(undefined) },
  { weight: 3, arbitrary: fc.integer({ min: -1, max: 2 ** 45 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(-0, 0.5, Number.NaN, Infinity, '7', null) },
)

const input = fc.tuple(fc.oneof(...valid), fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, { weight: 3, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 2 }) }), at, fc.boolean())
  .map(([base, mutations, atValue, nullProto]) => {
    const raw: Record<string, unknown> = nullProto ? Object.assign(Object.create(null) as object, base) : { ...base }
    if (atValue !== undefined) raw['at'] = atValue
    for (const m of mutations) mutate(raw, m)
    return raw
  })

describe('decodeInput (fast path) answers what decodeInputChecked answers', () => {
  it('for valid and mutated inputs of every type: same result, same key order, same stamp calls', () => {
    const seen = { fast: 0, fallbackAccepted: 0, rejected: 0 }
    fc.assert(fc.property(input, limitsArb, (raw, limits) => {
      const sFast = counting()
      const sChecked = counting()
      const got = decodeInput(raw, sFast, limits)
      const want = decodeInputChecked(raw, sChecked, limits)
      expect(got).toStrictEqual(want)
      expect(sFast.calls).toEqual(sChecked.calls)
      expect(sFast.calls.now).toBeLessThanOrEqual(1)
      if (E.isRight(got) && E.isRight(want)) {
        expect(shape(got.right)).toEqual(shape(want.right))
        const g = got.right as unknown as Record<string, unknown>
        const w = want.right as unknown as Record<string, unknown>
        if ('options' in g) expect(g['options'] === DEFAULT_SUB_OPTIONS).toBe(w['options'] === DEFAULT_SUB_OPTIONS)
        // A Buffer is kept as is, a Uint8Array becomes a view of the same memory.
        const p = raw['payload']
        if (Buffer.isBuffer(g['payload']) && p instanceof Uint8Array) {
          expect((g['payload'] as Buffer).buffer).toBe(p.buffer)
          if (Buffer.isBuffer(p)) expect(g['payload']).toBe(p)
        }
      }
      // Classify by asking the fast path directly; it is handed an `at` already checked, so
      // an input whose `at` is refused before it runs counts as rejected.
      const atRaw = raw['at']
      const atOk = atRaw === undefined || (typeof atRaw === 'number' && Number.isFinite(atRaw))
      const direct = atOk ? decodeFast(raw, 0, counting(), limits) : undefined
      if (direct !== undefined) {
        expect(E.isRight(want)).toBe(true)
        seen.fast += 1
      } else if (E.isRight(want)) seen.fallbackAccepted += 1
      else seen.rejected += 1
    }), { numRuns: 1000 })
    // The generator reaches all three outcomes.
    expect(seen.fast).toBeGreaterThan(100)
    expect(seen.fallbackAccepted).toBeGreaterThan(40)
    expect(seen.rejected).toBeGreaterThan(100)
  })
})

describe('decodeFast', () => {
  const plain: Record<string, Record<string, unknown>> = {
    'mqtt.connect': { type: 'mqtt.connect', clientId: 'c1', connectionId: 'k1' },
    'mqtt.disconnect': { type: 'mqtt.disconnect', clientId: 'c1', connectionId: 'k1' },
    'mqtt.subscribe': { type: 'mqtt.subscribe', clientId: 'c1', filter: 'a/+', qos: 1 },
    'mqtt.unsubscribe': { type: 'mqtt.unsubscribe', clientId: 'c1', filter: 'a/#' },
    'mqtt.publish': { type: 'mqtt.publish', clientId: 'c1', topic: 'a/b', payload: 'hi', qos: 1 },
    'mqtt.ack': { type: 'mqtt.ack', clientId: 'c1', topic: 'a/b', packetId: 3, msgId: '' },
    'session.subscribe': { type: 'session.subscribe', clientId: 'c1', filter: 'a/+', qos: 1, stored: '{}' },
    'session.retain': { type: 'session.retain', clientId: 'b1', topic: 'a/b', payload: 'hi', qos: 0, packet: '{}' },
    'session.packet.put': { type: 'session.packet.put', clientId: 'c1', box: 'outgoing', id: 'b:1', packet: '{}' },
    'session.packet.delete': { type: 'session.packet.delete', clientId: 'c1', box: 'incoming', id: '7', messageId: 7 },
  }

  it.each(Object.keys(plain))('takes a plain valid %s', (type) => {
    const raw = plain[type] as Record<string, unknown>
    const got = decodeFast(raw, 5, counting(), DEFAULT_LIMITS)
    expect(got).toBeDefined()
    expect(E.right(got)).toStrictEqual(decodeInputChecked({ ...raw, at: 5 }, counting()))
  })

  it('builds a connect with the defaults', () => {
    expect(decodeFast({ type: 'mqtt.connect', clientId: 'c1', connectionId: 'k1' }, 5, counting(), DEFAULT_LIMITS)).toStrictEqual({
      type: 'mqtt.connect', at: 5, clientId: 'c1', connectionId: 'k1', username: null, cleanStart: true, protocolVersion: 4,
    })
  })

  it('leaves a clientId given as bytes to the checked path, which accepts it', () => {
    const raw = { type: 'mqtt.connect', clientId: new Uint8Array(Buffer.from('c1')), connectionId: 'k1' }
    expect(decodeFast(raw, 5, counting(), DEFAULT_LIMITS)).toBeUndefined()
    const r = decodeInput(raw, counting())
    expect(E.isRight(r) && r.right.clientId).toBe('c1')
  })

  it('takes no message id for a publish it leaves to the checked path', () => {
    const s = counting()
    expect(decodeFast({ type: 'mqtt.publish', clientId: 'c1', topic: 'a/+', payload: 'x', qos: 0 }, 5, s, DEFAULT_LIMITS)).toBeUndefined()
    expect(decodeFast({ type: 'mqtt.publish', clientId: 'c1', topic: Buffer.from('a'), payload: 'x', qos: 0 }, 5, s, DEFAULT_LIMITS)).toBeUndefined()
    expect(s.calls).toEqual({ now: 0, nextId: 0 })
    const r = decodeInput({ type: 'mqtt.publish', clientId: 'c1', topic: Buffer.from('a'), payload: 'x', qos: 0 }, s)
    expect(E.isRight(r)).toBe(true)
    expect(s.calls).toEqual({ now: 1, nextId: 1 })
  })

  it('counts the bytes of a long clientId against the limit', () => {
    const limits = { ...DEFAULT_LIMITS, maxClientIdBytes: 4 }
    expect(decodeFast({ ...plain['mqtt.unsubscribe'], clientId: 'abcd' }, 0, counting(), limits)).toBeDefined()
    expect(decodeFast({ ...plain['mqtt.unsubscribe'], clientId: 'abé' }, 0, counting(), limits)).toBeDefined()
    expect(decodeFast({ ...plain['mqtt.unsubscribe'], clientId: 'abcé' }, 0, counting(), limits)).toBeUndefined()
    expect(decodeFast({ ...plain['mqtt.unsubscribe'], clientId: '😀😀' }, 0, counting(), limits)).toBeUndefined()
  })
})
