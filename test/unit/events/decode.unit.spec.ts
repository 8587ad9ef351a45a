import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { decodeInput, type DecodeLimits, type Stamp } from '../../../src/events/decode.js'
import type { InputErrorCode } from '../../../src/events/errors.js'
import { DEFAULT_SUB_OPTIONS, INPUT_TYPES } from '../../../src/events/input.js'

const stamp = (now = 1_700_000_000_123): Stamp & { nextId: ReturnType<typeof vi.fn> } => {
  const nextId = vi.fn((at: number) => `id-${at}`)
  return { now: () => now, nextId }
}
const small: DecodeLimits = { maxPayloadBytes: 4, maxClientIdBytes: 65535 }

const sub = { type: 'mqtt.subscribe', clientId: 'c1', filter: 'a/+', qos: 1 }
const pub = { type: 'mqtt.publish', clientId: 'c1', topic: 'a/b', payload: 'hi', qos: 0 }

function leftOf(value: unknown, limits?: DecodeLimits): { code: InputErrorCode; field: string; topicProblem?: string } {
  const r = decodeInput(value, stamp(), limits)
  if (E.isRight(r)) throw new Error(`expected a rejection, got ${JSON.stringify(r.right)}`)
  expect(r.left._tag).toBe('InputError')
  expect(typeof r.left.message).toBe('string')
  return r.left
}

describe('decodeInput: what a host observes', () => {
  it('fills the defaults of drop, connack and authz, and keeps a refused filter as the client sent it', () => {
    const at = { at: 7 }
    expect(decodeInput({ type: 'mqtt.drop', clientId: 'c1', topic: 'a/b', reason: 'no_subscribers', ...at }, stamp())).toEqual(
      E.right({ type: 'mqtt.drop', clientId: 'c1', at: 7, stage: 'message', topic: 'a/b', reason: 'no_subscribers', qos: 0, payload: null, msgId: null }),
    )
    expect(decodeInput({ type: 'mqtt.connack', clientId: 'c1', ...at }, stamp())).toEqual(
      E.right({ type: 'mqtt.connack', clientId: 'c1', at: 7, reasonCode: 0, sessionPresent: false, username: null }),
    )
    expect(decodeInput({ type: 'mqtt.authz', clientId: 'c1', action: 'subscribe', topic: 'a/#/b', result: 'deny', ...at }, stamp())).toEqual(
      E.right({ type: 'mqtt.authz', clientId: 'c1', at: 7, action: 'subscribe', topic: 'a/#/b', result: 'deny', source: 'default' }),
    )
  })
})

describe('decodeInput rejections', () => {
  it.each<[string, unknown, InputErrorCode, string]>([
    ['empty clientId', { ...sub, clientId: '' }, 'empty_client_id', 'clientId'],
    ['wildcard in publish topic', { ...pub, topic: 'a/+' }, 'bad_topic', 'topic'],
    ['# in publish topic', { ...pub, topic: 'a/#' }, 'bad_topic', 'topic'],
    ['misplaced #', { ...sub, filter: 'a/#/b' }, 'bad_topic_filter', 'filter'],
    ['+ not alone', { ...sub, filter: 'a+' }, 'bad_topic_filter', 'filter'],
    ['misplaced # in unsubscribe', { type: 'mqtt.unsubscribe', clientId: 'c1', filter: 'a/#/b' }, 'bad_topic_filter', 'filter'],
    ['lone surrogate in topic', { ...pub, topic: 'a/\uD800' }, 'invalid_utf8', 'topic'],
    ['lone surrogate in clientId', { ...sub, clientId: 'c\uDC00' }, 'invalid_utf8', 'clientId'],
    ['invalid bytes in clientId', { ...sub, clientId: Buffer.from([0xff, 0xfe]) }, 'invalid_utf8', 'clientId'],
    ['invalid bytes in filter', { ...sub, filter: Buffer.from([0x61, 0xc3]) }, 'invalid_utf8', 'filter'],
    ['qos 3', { ...sub, qos: 3 }, 'bad_qos', 'qos'],
    ['qos -1', { ...pub, qos: -1 }, 'bad_qos', 'qos'],
    ["qos '1'", { ...sub, qos: '1' }, 'bad_qos', 'qos'],
    ['qos missing', { type: 'mqtt.subscribe', clientId: 'c1', filter: 'a' }, 'bad_qos', 'qos'],
    ['unknown type', { type: 'mqtt.nope', clientId: 'c1' }, 'unknown_type', 'type'],
    ['missing type', { clientId: 'c1' }, 'unknown_type', 'type'],
    ['clientId not a string', { ...sub, clientId: 7 }, 'bad_shape', 'clientId'],
    ['at not finite', { ...sub, at: Number.NaN }, 'bad_shape', 'at'],
    ['payload a number', { ...pub, payload: 5 }, 'bad_shape', 'payload'],
    ['retain not boolean', { ...pub, retain: 'yes' }, 'bad_shape', 'retain'],
    ['options.rh 3', { ...sub, options: { rh: 3 } }, 'bad_shape', 'options.rh'],
    ['packetId 0', { type: 'mqtt.deliver', clientId: 'c1', topic: 't', qos: 1, packetId: 0 }, 'bad_shape', 'packetId'],
    ['connect without connectionId', { type: 'mqtt.connect', clientId: 'c1' }, 'bad_shape', 'connectionId'],
    ['expiryIntervalSec negative', { ...pub, expiryIntervalSec: -1 }, 'bad_shape', 'expiryIntervalSec'],
    ['expiryIntervalSec fractional', { ...pub, expiryIntervalSec: 1.5 }, 'bad_shape', 'expiryIntervalSec'],
    ['expiryIntervalSec above 2^32-1', { ...pub, expiryIntervalSec: 0x1_0000_0000 }, 'bad_shape', 'expiryIntervalSec'],
    ["expiryIntervalSec '60'", { ...pub, expiryIntervalSec: '60' }, 'bad_shape', 'expiryIntervalSec'],
    ['ack msgId a number', { type: 'mqtt.ack', clientId: 'c1', topic: 't', msgId: 7 }, 'bad_shape', 'msgId'],
    ['drop with an unknown stage', { type: 'mqtt.drop', clientId: 'c1', topic: 't', reason: 'x', stage: 'later' }, 'bad_shape', 'stage'],
    ['drop payload a number', { type: 'mqtt.drop', clientId: 'c1', topic: 't', reason: 'x', payload: 5 }, 'bad_shape', 'payload'],
    ['connack reasonCode 256', { type: 'mqtt.connack', clientId: 'c1', reasonCode: 256 }, 'bad_shape', 'reasonCode'],
    ['authz result maybe', { type: 'mqtt.authz', clientId: 'c1', action: 'publish', topic: 't', result: 'maybe' }, 'bad_shape', 'result'],
    ['authz action connect', { type: 'mqtt.authz', clientId: 'c1', action: 'connect', topic: 't', result: 'allow' }, 'bad_shape', 'action'],
    ['authz empty topic', { type: 'mqtt.authz', clientId: 'c1', action: 'publish', topic: '', result: 'allow' }, 'bad_topic', 'topic'],
    ['ack msgId invalid UTF-8 bytes', { type: 'mqtt.ack', clientId: 'c1', topic: 't', msgId: Buffer.from([0xc3]) }, 'invalid_utf8', 'msgId'],
  ])('%s -> %s on %s', (_name, value, code, field) => {
    const err = leftOf(value)
    expect(err.code).toBe(code)
    expect(err.field).toBe(field)
  })

  it('names the topic problem', () => {
    expect(leftOf({ ...pub, topic: 'a/+' }).topicProblem).toBe('wildcard_in_topic')
    expect(leftOf({ ...sub, filter: 'a/#/b' }).topicProblem).toBe('misplaced_wildcard')
    expect(leftOf({ ...pub, topic: '' }).topicProblem).toBe('empty')
  })

  it('payload_too_large above the limit, accepted at the limit', () => {
    const err = leftOf({ ...pub, payload: Buffer.alloc(5) }, small)
    expect(err).toMatchObject({ code: 'payload_too_large', field: 'payload' })
    expect(leftOf({ ...pub, payload: 'héllo' }, small).code).toBe('payload_too_large') // 6 bytes, 5 chars
    expect(E.isRight(decodeInput({ ...pub, payload: Buffer.alloc(4) }, stamp(), small))).toBe(true)
  })

  it.each([null, undefined, 42, 'mqtt.connect', true, Symbol('x')])('bad_shape with field "" for %s', (v) => {
    expect(leftOf(v)).toMatchObject({ code: 'bad_shape', field: '' })
  })
})

describe('decodeInput of valid events', () => {
  it('connect: defaults and at from now()', () => {
    const r = decodeInput({ type: 'mqtt.connect', clientId: 'c1', connectionId: 'k1' }, stamp(5000))
    expect(r).toEqual(E.right({
      type: 'mqtt.connect', at: 5000, clientId: 'c1', connectionId: 'k1', username: null, cleanStart: true, protocolVersion: 4,
    }))
  })

  it('an explicit at wins over now()', () => {
    const r = decodeInput({ type: 'mqtt.disconnect', clientId: 'c1', connectionId: 'k1', at: 42 }, stamp(5000))
    expect(r).toEqual(E.right({ type: 'mqtt.disconnect', at: 42, clientId: 'c1', connectionId: 'k1', reason: 'normal' }))
  })

  it('publish: msgId from nextId(at), string payload as UTF-8 bytes, retain false, no expiry interval', () => {
    const s = stamp(7000)
    const r = decodeInput({ ...pub, payload: 'hé' }, s)
    expect(r).toEqual(E.right({
      type: 'mqtt.publish', at: 7000, msgId: 'id-7000', clientId: 'c1', topic: 'a/b', payload: Buffer.from([0x68, 0xc3, 0xa9]), qos: 0, retain: false,
      expiryIntervalSec: null,
    }))
    expect(s.nextId).toHaveBeenCalledTimes(1)
    expect(s.nextId).toHaveBeenCalledWith(7000)
  })

  it.each<[unknown, number | null]>([
    [undefined, null],
    [null, null],
    [0, 0],
    [60, 60],
    [0xffff_ffff, 0xffff_ffff],
  ])('publish: expiryIntervalSec %s decodes to %s', (given, expected) => {
    const r = decodeInput({ ...pub, qos: 1, expiryIntervalSec: given }, stamp())
    if (E.isLeft(r) || r.right.type !== 'mqtt.publish') throw new Error('expected a publish')
    expect(r.right.expiryIntervalSec).toBe(expected)
  })

  it('ack: msgId null when absent, the string when given, packetId optional', () => {
    expect(decodeInput({ type: 'mqtt.ack', clientId: 'c1', topic: 'q/a', packetId: 5 }, stamp(9))).toEqual(E.right({
      type: 'mqtt.ack', at: 9, clientId: 'c1', topic: 'q/a', packetId: 5, msgId: null,
    }))
    expect(decodeInput({ type: 'mqtt.ack', clientId: 'c1', topic: 'q/a', msgId: 'M1' }, stamp(9))).toEqual(E.right({
      type: 'mqtt.ack', at: 9, clientId: 'c1', topic: 'q/a', packetId: null, msgId: 'M1',
    }))
  })

  it('publish: binary payload kept byte-exact, Uint8Array accepted', () => {
    const bytes = new Uint8Array([0, 255, 1, 254])
    const r = decodeInput({ ...pub, payload: bytes, retain: true }, stamp())
    if (E.isLeft(r) || r.right.type !== 'mqtt.publish') throw new Error('expected a publish')
    expect(Buffer.isBuffer(r.right.payload)).toBe(true)
    expect([...r.right.payload]).toEqual([0, 255, 1, 254])
    expect(r.right.retain).toBe(true)
  })

  it('subscribe: options default to {nl:false,rap:false,rh:0}, resubscribe to false', () => {
    const r = decodeInput(sub, stamp(1))
    expect(r).toEqual(E.right({ type: 'mqtt.subscribe', at: 1, clientId: 'c1', filter: 'a/+', qos: 1, options: { nl: false, rap: false, rh: 0 }, resubscribe: false }))
    const again = decodeInput({ ...sub, resubscribe: true }, stamp(1))
    expect(E.isRight(again) && again.right.type === 'mqtt.subscribe' && again.right.resubscribe).toBe(true)
    expect(E.isLeft(decodeInput({ ...sub, resubscribe: 'yes' }, stamp(1)))).toBe(true)
    expect(DEFAULT_SUB_OPTIONS).toEqual({ nl: false, rap: false, rh: 0 })
    const withOpts = decodeInput({ ...sub, options: { nl: true, rap: true, rh: 2 } }, stamp(1))
    expect(E.isRight(withOpts) && withOpts.right.type === 'mqtt.subscribe' && withOpts.right.options).toEqual({ nl: true, rap: true, rh: 2 })
  })

  it('string fields given as valid UTF-8 bytes are decoded', () => {
    const r = decodeInput({ ...sub, clientId: Buffer.from('dév', 'utf8'), filter: Buffer.from('a/#') }, stamp())
    expect(E.isRight(r) && r.right.clientId).toBe('dév')
    expect(E.isRight(r) && r.right.type === 'mqtt.subscribe' && r.right.filter).toBe('a/#')
  })

  // [MQTT-1.5.3-3] U+FEFF "MUST NOT be skipped over or stripped off by a packet receiver".
  it('a leading U+FEFF in a byte string is kept [MQTT-1.5.3-3]', () => {
    const r = decodeInput({ ...pub, topic: Buffer.from([0xef, 0xbb, 0xbf, 0x61]) }, stamp())
    expect(E.isRight(r) && r.right.type === 'mqtt.publish' && r.right.topic).toBe('\uFEFFa')
  })
})

describe('decodeInput never throws', () => {
  const s = stamp()
  it('for fc.anything()', () => {
    fc.assert(fc.property(fc.anything(), (v) => {
      const r = decodeInput(v, s)
      expect(E.isLeft(r) || E.isRight(r)).toBe(true)
    }), { numRuns: 1000 })
  })

  const field = fc.oneof(fc.string(), fc.integer({ min: -2, max: 5 }), fc.double(), fc.boolean(), fc.constant(null),
    fc.constant(undefined), fc.uint8Array({ maxLength: 8 }), fc.constantFrom('a/#', 'a/+/b', '#', 'a+', '\uD800'), fc.anything())
  const rawEvent = fc.record({
    type: fc.oneof(fc.constantFrom(...INPUT_TYPES), fc.string()),
    clientId: fc.oneof(fc.string(), field), connectionId: field, topic: field, filter: field, payload: field, qos: field,
    retain: field, options: fc.oneof(field, fc.record({ nl: field, rap: field, rh: field })), packetId: field, at: field,
    username: field, reason: field, cleanStart: field, protocolVersion: field, expiryIntervalSec: field, msgId: field,
  }, { requiredKeys: ['type'] })

  it('for objects with random fields, and what it accepts is well formed', () => {
    let accepted = 0
    fc.assert(fc.property(rawEvent, (v) => {
      const r = decodeInput(v, s, small)
      if (E.isRight(r)) {
        accepted += 1
        expect(INPUT_TYPES).toContain(r.right.type)
        expect(r.right.clientId.length).toBeGreaterThan(0)
        expect(Number.isFinite(r.right.at)).toBe(true)
        if (r.right.type === 'mqtt.publish' && r.right.expiryIntervalSec !== null) {
          expect(Number.isInteger(r.right.expiryIntervalSec) && r.right.expiryIntervalSec >= 0).toBe(true)
        }
        if (r.right.type === 'mqtt.ack' && r.right.msgId !== null) expect(typeof r.right.msgId).toBe('string')
      } else {
        expect(r.left._tag).toBe('InputError')
      }
    }), { numRuns: 2000 })
    expect(accepted).toBeGreaterThan(0) // the generator reaches the accepting paths too
  })

  // Error messages describe any value without throwing (a BigInt, an object without a prototype).
  it('for a BigInt type', () => {
    const r = decodeInput({ type: 1n, clientId: 'c1' }, s)
    expect(E.isLeft(r) && r.left.code).toBe('unknown_type')
  })
  it('for a qos object with a null prototype', () => {
    const r = decodeInput({ ...sub, qos: Object.create(null) }, s)
    expect(E.isLeft(r) && r.left.code).toBe('bad_qos')
  })
})
