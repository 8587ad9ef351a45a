import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { DomainEvent, DomainEventType } from '../../../src/events/domain.js'
import { decodeEvent, encodeEvent, EVENT_SCHEMA_VERSION } from '../../../src/log/codec.js'
import { LogDecodeError } from '../../../src/log/errors.js'
import { UPCASTERS } from '../../../src/log/upcast.js'
import { eventArb, eventArbs, sampleEvent } from './events.arb.js'

const meta = { clientId: 'dev-1', node: 'n1', seq: 3, at: 1_700_000_000_000 }
const json = (o: unknown): Buffer => Buffer.from(JSON.stringify(o))

/** A JSON record as versions 1 to 3 stored it: `{v, type, data, meta}`, payload as {"$b64": ...}. */
function jsonRecord(v: number, e: DomainEvent): Buffer {
  const data = 'payload' in e.data && e.data.payload !== null ? { ...e.data, payload: { $b64: e.data.payload.toString('base64') } } : e.data
  return json({ v, type: e.type, data, meta: e.meta })
}

/** The longest run of zero bytes in `b`. */
function longestZeroRun(b: Uint8Array): number {
  let longest = 0
  let run = 0
  for (const x of b) {
    run = x === 0 ? run + 1 : 0
    longest = Math.max(longest, run)
  }
  return longest
}

describe('encodeEvent / decodeEvent', () => {
  const types = Object.keys(eventArbs) as DomainEventType[]
  it.each(types)('round-trip every %s, payload bytes exact', (type) => {
    fc.assert(
      fc.property(eventArbs[type], (e: DomainEvent) => {
        expect(decodeEvent(encodeEvent(e))).toStrictEqual(e)
      }),
    )
  })

  it('round-trip any mix of events, and two in a row through one writer', () => {
    fc.assert(
      fc.property(eventArb, eventArb, (a: DomainEvent, b: DomainEvent) => {
        const ea = encodeEvent(a)
        const eb = encodeEvent(b)
        expect(decodeEvent(ea)).toStrictEqual(a)
        expect(decodeEvent(eb)).toStrictEqual(b)
        expect(ea[0]).toBe(EVENT_SCHEMA_VERSION)
      }),
    )
  })

  it('write the binary layout: version byte, type tag, meta, data; and leave the event as it was', () => {
    const e = sampleEvent(0)
    const before = { ...e, data: { ...e.data, payload: Buffer.from([0, 0, 0xff, 0x80]) } }
    const stored = encodeEvent(e)
    expect(stored[0]).toBe(EVENT_SCHEMA_VERSION)
    expect(stored[0]).toBe(4)
    expect(stored[1]).toBe(5) // RetainedMessageSet
    expect(stored.subarray(-5)).toEqual(Buffer.from([4, 0, 0, 0xff, 0x80])) // payload: length, then the raw bytes
    expect(e).toStrictEqual(before)

    const removed: DomainEvent = { type: 'SubscriptionRemoved', meta: { clientId: 'c', node: 'n', seq: 1, at: 0 }, data: { filter: 'a/#' } }
    expect(encodeEvent(removed).toString('hex')).toBe(
      '04' + '04' + // version 4, tag 4
        '0263' + '026e' + // clientId 'c', node 'n': byte length * 2, then UTF-8
        '02' + '0000000000000000' + // seq 1 (magnitude << 1), at 0 as a float64
        '06612f23', // filter 'a/#'
    )
  })

  it('round-trip an observed event whose extra field is named __proto__ (a counterexample fast-check found)', () => {
    const extra: Record<string, string> = {}
    Object.defineProperty(extra, '__proto__', { value: 'x', enumerable: true, writable: true, configurable: true })
    const e: DomainEvent = { type: 'ConnackSent', data: { topic: null, qos: null, msgId: null, reason: null, payload: null, extra }, meta: { clientId: 'c', node: 'n', seq: 1, at: 0 } }
    const back = decodeEvent(encodeEvent(e))
    expect(back).toStrictEqual(e)
    expect(Object.getPrototypeOf((back as typeof e).data.extra)).toBe(Object.prototype)
    expect(Object.keys((back as typeof e).data.extra)).toEqual(['__proto__'])
  })

  it('round-trip edge values: any text, null and empty usernames, empty payloads, extreme numbers', () => {
    const texts = ['', 'a', 'é', '✓ done', '温度', '🙂', 'a\u0000b', '\ud800', 'x\udc00y', '🙂\ud83d', 'x'.repeat(32), 'y'.repeat(33), 'z'.repeat(63), 'w'.repeat(64), 'é'.repeat(300), 'v'.repeat(100_000)]
    const seqs = [0, 1, 63, 64, 8191, 8192, -1, -64, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]
    const times = [0, 1_700_000_000_000, -1.5, 0.1, 8.64e15, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE]
    for (const t of texts) {
      for (const username of [t, null]) {
        const e: DomainEvent = { type: 'ClientConnected', meta: { ...meta, clientId: t, node: t }, data: { connectionId: t, username, cleanStart: true, protocolVersion: 5 } }
        expect(decodeEvent(encodeEvent(e))).toStrictEqual(e)
      }
    }
    for (const seq of seqs) {
      for (const at of times) {
        const e: DomainEvent = {
          type: 'MessageStored', meta: { ...meta, seq, at },
          data: { msgId: '', topic: 't', qos: 2, payload: Buffer.alloc(0), retain: true, mode: 'latest', expiresAt: at },
        }
        expect(decodeEvent(encodeEvent(e))).toStrictEqual(e)
      }
    }
  })

  it('decode payloads into fresh buffers, not views of the input', () => {
    fc.assert(
      fc.property(eventArbs.MessageStored, (e) => {
        const stored = encodeEvent(e)
        const back = decodeEvent(stored)
        stored.fill(0xee)
        expect(back).toStrictEqual(e)
      }),
    )
  })

  it('decode from a plain Uint8Array as well as a Buffer', () => {
    const stored = encodeEvent(sampleEvent(2))
    expect(decodeEvent(new Uint8Array(stored))).toStrictEqual(sampleEvent(2))
  })

  it('never store 256 zero bytes in a row (recovery reads long zero runs as lost writeback), yet round-trip them', () => {
    const zeros = (n: number): Buffer => Buffer.alloc(n)
    const piece = fc.oneof(fc.integer({ min: 1, max: 700 }).map(zeros), fc.uint8Array({ minLength: 1, maxLength: 40 }).map((u) => Buffer.from(u)))
    const payload = fc.array(piece, { maxLength: 6 }).map((ps) => Buffer.concat(ps))
    const nuls = fc.integer({ min: 0, max: 300 }).map((n) => '\u0000'.repeat(n))
    fc.assert(
      fc.property(payload, nuls, fc.constantFrom('\ud800', ''), (p, topic, odd) => {
        const e: DomainEvent = { type: 'MessageStored', meta: { ...meta, at: 0 }, data: { msgId: odd + topic, topic, qos: 1, payload: p, retain: false, mode: 'queue', expiresAt: 0 } }
        const stored = encodeEvent(e)
        expect(longestZeroRun(stored)).toBeLessThan(256)
        expect(decodeEvent(stored)).toStrictEqual(e)
      }),
    )
    const plain: DomainEvent = { type: 'RetainedMessageSet', meta, data: { msgId: 'm', topic: 't', qos: 1, payload: zeros(255) } }
    const escaped: DomainEvent = { ...plain, data: { ...plain.data, payload: zeros(256) } }
    expect(encodeEvent(plain)[1]).toBe(5)
    expect(encodeEvent(escaped)[1]).toBe(0x80 | 5)
    expect(decodeEvent(encodeEvent(escaped))).toStrictEqual(escaped)
  })

  it('refuse, with a RangeError, an event it could not read back, and go on encoding after', () => {
    const good = sampleEvent(2)
    const bad = (patch: Record<string, unknown>, metaPatch: Record<string, unknown> = {}): DomainEvent =>
      ({ ...good, meta: { ...good.meta, ...metaPatch }, data: { ...good.data, ...patch } }) as DomainEvent
    expect(() => encodeEvent(bad({ qos: 0 }))).toThrow(/data\.qos must be one of 1, 2/)
    expect(() => encodeEvent(bad({ mode: 'later' }))).toThrow(/data\.mode/)
    expect(() => encodeEvent(bad({ expiresAt: Number.NaN }))).toThrow(/data\.expiresAt must be a finite number/)
    expect(() => encodeEvent(bad({}, { at: Infinity }))).toThrow(/meta\.at must be a finite number/)
    expect(() => encodeEvent(bad({}, { seq: 1.5 }))).toThrow(/meta\.seq must be a safe integer/)
    expect(() => encodeEvent(bad({}, { seq: 2 ** 53 }))).toThrow(RangeError)
    expect(() => encodeEvent({ ...good, type: 'Nope' } as unknown as DomainEvent)).toThrow(RangeError)
    expect(decodeEvent(encodeEvent(good))).toStrictEqual(good)
  })

  it('keep a payload that is a view into a larger buffer to its own bytes', () => {
    const big = Buffer.from('xxhelloxx')
    const e: DomainEvent = { type: 'RetainedMessageSet', meta, data: { msgId: 'm', topic: 't', qos: 0, payload: big.subarray(2, 7) } }
    const back = decodeEvent(encodeEvent(e))
    expect(back.type === 'RetainedMessageSet' && back.data.payload.toString()).toBe('hello')
  })
})

describe('upcasting', () => {
  it('has one upcaster per version before the current one', () => {
    expect(UPCASTERS).toHaveLength(EVENT_SCHEMA_VERSION - 1)
  })

  it('reads a v1 SubscriptionAdded (no fetch, no pubsubStart) as fetch false, pubsubStart null', () => {
    const v1 = '{"v":1,"type":"SubscriptionAdded","data":{"filter":"pubsub/#","qos":1,"options":{"nl":false,"rap":false,"rh":0}},' +
      '"meta":{"clientId":"dev-1","node":"n1","seq":3,"at":1700000000000}}'
    expect(decodeEvent(Buffer.from(v1))).toStrictEqual({
      type: 'SubscriptionAdded',
      meta,
      data: { filter: 'pubsub/#', qos: 1, options: { nl: false, rap: false, rh: 0 }, fetch: false, pubsubStart: null },
    })
  })

  it('reads v3 JSON records (the last JSON version) as they were written', () => {
    // The event types there were when logs were JSON; later types were only ever written in binary.
    const v3Types = ['ClientConnected', 'ClientDisconnected', 'SubscriptionAdded', 'SubscriptionRemoved', 'RetainedMessageSet', 'RetainedMessageCleared', 'MessageStored', 'MessageAcked'] as const
    fc.assert(
      fc.property(fc.oneof(...v3Types.map((t) => eventArbs[t] as fc.Arbitrary<DomainEvent>)), (e: DomainEvent) => {
        expect(decodeEvent(jsonRecord(3, e))).toStrictEqual(e)
      }),
    )
  })

  it('upcasts an old ClientDisconnected to heldQueue true (release holds, as old code always did)', () => {
    const old = { connectionId: 'k1', reason: 'normal' }
    const e: DomainEvent = { type: 'ClientDisconnected', meta, data: { ...old, heldQueue: true } }
    expect(decodeEvent(json({ v: 1, type: e.type, data: old, meta }))).toStrictEqual(e)
    expect(decodeEvent(json({ v: 2, type: e.type, data: old, meta }))).toStrictEqual(e)
  })
})

describe('decodeEvent rejects with LogDecodeError', () => {
  const good = { v: 2, type: 'SubscriptionRemoved', data: { filter: 'a' }, meta }
  it.each([
    ['bad JSON', Buffer.from('{"v":2,'), /not UTF-8 JSON/],
    ['bytes that are not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), /not UTF-8 JSON/],
    // Only "{" marks JSON; any other first byte is a binary record's version.
    ['a JSON array', json([good]), /schema version 91 is newer than this code reads \(4\)/],
    ['no version', json({ ...good, v: undefined }), /v must be/],
    ['a newer version', json({ ...good, v: EVENT_SCHEMA_VERSION + 1 }), /newer than this code reads/],
    ['an unknown type', json({ ...good, type: 'Nope' }), /unknown event type "Nope"/],
    ['a missing field', json({ ...good, data: {} }), /data\.filter must be a string/],
    ['missing meta', json({ ...good, meta: null }), /meta must be an object/],
    ['a fractional seq', json({ ...good, meta: { ...meta, seq: 1.5 } }), /meta\.seq must be a safe integer/],
    ['a bad QoS', json({ v: 2, type: 'RetainedMessageSet', data: { msgId: 'm', topic: 't', qos: 3, payload: { $b64: '' } }, meta }), /data\.qos must be one of 0, 1, 2/],
    ['a payload that is not base64', json({ v: 2, type: 'RetainedMessageSet', data: { msgId: 'm', topic: 't', qos: 1, payload: { $b64: 'a*==' } }, meta }), /data\.payload must be bytes/],
    ['a payload as Buffer#toJSON', json({ v: 2, type: 'RetainedMessageSet', data: { msgId: 'm', topic: 't', qos: 1, payload: Buffer.from('x') }, meta }), /data\.payload must be bytes/],
    ['bad nested options', json({ v: 2, type: 'SubscriptionAdded', data: { filter: 'a', qos: 1, options: { nl: 0 }, fetch: true, pubsubStart: null }, meta }), /data\.options\.nl must be a boolean/],
  ])('%s', (_, bytes, message) => {
    expect(() => decodeEvent(bytes)).toThrow(LogDecodeError)
    expect(() => decodeEvent(bytes)).toThrow(message)
  })
})

describe('decodeEvent rejects damaged binary records with LogDecodeError', () => {
  const f64 = (v: number): number[] => {
    const b = Buffer.alloc(8)
    b.writeDoubleLE(v)
    return [...b]
  }
  /** A record from parts: numbers are bytes, strings are short str fields (UTF-8), arrays are bytes. */
  const rec = (...parts: Array<number | string | readonly number[]>): Buffer =>
    Buffer.concat(parts.map((p) => (typeof p === 'number' ? Buffer.from([p]) : typeof p === 'string' ? Buffer.concat([Buffer.from([Buffer.byteLength(p) * 2]), Buffer.from(p)]) : Buffer.from(p))))
  // clientId 'c', node 'n', seq 1, at 0
  const M = ['c', 'n', 2, f64(0)] as const
  const good = {
    connected: rec(4, 1, ...M, 'k', 1, 'u', 0, 4),
    disconnected: rec(4, 2, ...M, 'k', 'normal', 1),
    added: rec(4, 3, ...M, 'a/#', 1, 0, 1, 2, 1, 2),
    stored: rec(4, 7, ...M, 'm', 't', 2, [1, 0xab], 0, 1, f64(5)),
    acked: rec(4, 8, ...M, 'm', 't', 0),
  }

  it('(the records the table damages are good ones)', () => {
    for (const b of Object.values(good)) expect(encodeEvent(decodeEvent(b))).toEqual(b)
    expect(decodeEvent(good.added)).toStrictEqual({
      type: 'SubscriptionAdded', meta: { clientId: 'c', node: 'n', seq: 1, at: 0 },
      data: { filter: 'a/#', qos: 1, options: { nl: false, rap: true, rh: 2 }, fetch: true, pubsubStart: 'oldest' },
    })
  })

  const patch = (b: Buffer, at: number, byte: number): Buffer => {
    const c = Buffer.from(b)
    c[at < 0 ? c.length + at : at] = byte
    return c
  }

  it.each([
    ['an empty record', Buffer.alloc(0), /empty record/],
    ['only a version byte', Buffer.from([4]), /cut short in the event type/],
    ['a newer version', patch(good.acked, 0, 5), /schema version 5 is newer than this code reads \(4\); upgrade before reading this log/],
    ['the largest version byte', patch(good.acked, 0, 0xff), /schema version 255 is newer/],
    ['an old version that only JSON had', patch(good.acked, 0, 3), /first byte 3 is neither "\{" \(a JSON record\) nor a binary schema version/],
    ['version byte 0', patch(good.acked, 0, 0), /first byte 0 is neither/],
    ['unknown tag 0', patch(good.acked, 1, 0), /unknown event type tag 0/],
    ['unknown tag 19 (one past the observed events)', patch(good.acked, 1, 19), /unknown event type tag 19/],
    ['unknown tag 0x7f', patch(good.acked, 1, 0x7f), /unknown event type tag 127/],
    ['a boolean byte 2', patch(good.disconnected, -1, 2), /data\.heldQueue must be a boolean byte \(0 or 1\), got 2/],
    ['a boolean byte 0xff', patch(good.added, -2, 0xff), /data\.fetch must be a boolean/],
    ['a bad QoS', patch(good.added, -6, 3), /data\.qos must be one of 0, 1, 2, got 3/],
    ['QoS 0 for a stored message', patch(good.stored, -13, 0), /data\.qos must be one of 1, 2, got 0/],
    ['a bad retain handling', patch(good.added, -3, 3), /data\.options\.rh must be one of 0, 1, 2/],
    ['a bad pubsubStart', patch(good.added, -1, 3), /data\.pubsubStart must be/],
    ['a bad mode', patch(good.acked, -1, 3), /data\.mode must be a mode byte/],
    ['a bad protocol version', patch(good.connected, -1, 6), /data\.protocolVersion must be one of 3, 4, 5, got 6/],
    ['a bad username presence byte', patch(good.connected, -5, 2), /data\.username must be a presence byte/],
    ['a trailing byte', Buffer.concat([good.acked, Buffer.from([0])]), /1 trailing byte after the last field of MessageAcked/],
    ['a string longer than the record', patch(good.acked, -3, 0x7e), /data\.topic is 63 bytes long, but the record has 2 left/],
    ['a payload longer than the record', patch(good.stored, -12, 0x7f), /data\.payload is 127 bytes long, but the record has/],
    ['UTF-16 text of an odd byte length', rec(4, 6, ...M, [3, 0x41]), /data\.topic must be UTF-16 text of an even byte length/],
    ['a varint with a redundant final byte', rec(4, 6, ...M, [0x82, 0x00, 0x61]), /data\.topic has a varint with a redundant final byte/],
    ['a varint longer than 8 bytes', rec(4, 6, ...M, [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), /data\.topic has a varint longer than 8 bytes/],
    ['a varint above 2^53 - 1', rec(4, 6, ...M, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), /data\.topic has a varint above 2\^53 - 1/],
    ['a seq beyond the safe integers', rec(4, 6, 'c', 'n', [0xff, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20], f64(0), 't'), /meta\.seq must be a safe integer/],
    ['a seq of negative zero', rec(4, 6, 'c', 'n', 1, f64(0), 't'), /meta\.seq must not be negative zero/],
    ['a time that is NaN', rec(4, 6, 'c', 'n', 2, f64(Number.NaN), 't'), /meta\.at must be a finite number, got NaN/],
    ['an infinite expiry', rec(4, 7, ...M, 'm', 't', 2, [1, 0xab], 0, 1, f64(Infinity)), /data\.expiresAt must be a finite number, got Infinity/],
    ['an escaped zero run of length 0', rec(4, 0x86, 'c', 'n', 2, [0, 0]), /escaped zero run of length 0/],
    ['an escaped zero run cut short', rec(4, 0x86, 'c', 'n', 2, [0]), /escaped zero run cut short/],
    ['an escaped record with an unknown tag', rec(4, 0x93, 'c', 'n', 2, [0, 8], 't'), /unknown event type tag 19/],
  ])('%s', (_, bytes, message) => {
    expect(() => decodeEvent(bytes)).toThrow(LogDecodeError)
    expect(() => decodeEvent(bytes)).toThrow(message)
  })

  it('reject a record cut short at any byte', () => {
    fc.assert(
      fc.property(eventArb, (e: DomainEvent) => {
        const stored = encodeEvent(e)
        for (let n = 0; n < stored.length; n++) expect(() => decodeEvent(stored.subarray(0, n))).toThrow(LogDecodeError)
      }),
    )
  })

  it('reject any single changed byte, or else decode it to a valid event', () => {
    // Not every change is detectable (a changed letter is still text): but none may throw anything else or yield junk.
    fc.assert(
      fc.property(eventArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (e: DomainEvent, at, x) => {
        const stored = encodeEvent(e)
        const i = at % stored.length
        stored[i] = stored[i]! ^ x
        let back: DomainEvent
        try {
          back = decodeEvent(stored)
        } catch (err) {
          expect(err).toBeInstanceOf(LogDecodeError)
          return
        }
        expect(decodeEvent(encodeEvent(back))).toStrictEqual(back)
      }),
    )
  })
})
