import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { DomainEvent, DomainEventType } from '../../../src/events/domain.js'
import { decodeEvent, encodeEvent, EVENT_SCHEMA_VERSION } from '../../../src/log/codec.js'
import { LogDecodeError } from '../../../src/log/errors.js'
import { UPCASTERS } from '../../../src/log/upcast.js'
import { eventArbs, sampleEvent } from './events.arb.js'

const meta = { clientId: 'dev-1', node: 'n1', seq: 3, at: 1_700_000_000_000 }
const json = (o: unknown): Buffer => Buffer.from(JSON.stringify(o))

describe('encodeEvent / decodeEvent', () => {
  const types = Object.keys(eventArbs) as DomainEventType[]
  it.each(types)('round-trip every %s, payload bytes exact', (type) => {
    fc.assert(
      fc.property(eventArbs[type], (e: DomainEvent) => {
        expect(decodeEvent(encodeEvent(e))).toStrictEqual(e)
      }),
    )
  })

  it('write {v, type, data, meta} JSON with the payload as {"$b64": ...}, and leave the event as it was', () => {
    const e = sampleEvent(0)
    const before = { ...e, data: { ...e.data, payload: Buffer.from([0, 0, 0xff, 0x80]) } }
    const stored: unknown = JSON.parse(encodeEvent(e).toString())
    expect(stored).toEqual({
      v: EVENT_SCHEMA_VERSION,
      type: 'RetainedMessageSet',
      data: { msgId: 'm0', topic: 't/0', qos: 1, payload: { $b64: Buffer.from([0, 0, 0xff, 0x80]).toString('base64') } },
      meta: e.meta,
    })
    expect(e).toStrictEqual(before)
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
    ['a JSON array', json([good]), /must be a JSON object/],
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
