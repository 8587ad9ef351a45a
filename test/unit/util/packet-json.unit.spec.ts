import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { packetFromJson, packetToJson, packetToJsonGeneral } from '../../../src/util/packet-json.js'

const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
  // A view into a larger buffer: only its own bytes may be written.
  fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 40 }), fc.nat(3)).map(([a, k]) => a.subarray(k, a.length - 1)),
)
const scalar = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.double(),
  fc.integer(),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -0),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  bytes,
)
const nested = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, tie('object'), tie('array'), fc.date({ noInvalidDate: true }), fc.constant(() => 1)),
  object: fc.dictionary(fc.string(), tie('value'), { maxKeys: 5 }),
  array: fc.array(tie('value'), { maxLength: 4 }),
})).value
const packetKeys = fc.constantFrom('cmd', 'topic', 'payload', 'qos', 'retain', 'dup', 'messageId', 'brokerId', 'brokerCounter', 'properties', 'payloadIsString', 'clientId')
const packet = fc.dictionary(fc.oneof(packetKeys, fc.string()), fc.oneof(scalar, nested), { maxKeys: 12 })

describe('packetToJson', () => {
  it('writes exactly what JSON.stringify with the tagging replacer writes', () => {
    fc.assert(fc.property(packet, (p) => {
      expect(packetToJson(p)).toBe(packetToJsonGeneral(p))
    }), { numRuns: 2000 })
  })

  it('reads back a stored packet as it was: Buffers stay Buffers (only their own bytes), undefined stays there', () => {
    const backing = Buffer.from('xxhello-worldxx')
    const p = { cmd: 'publish', topic: 'a/b', payload: backing.subarray(2, 13), qos: 1, retain: false, messageId: undefined, properties: { correlationData: Buffer.from([0, 255]), userProperties: { k: 'v' } } }
    const back = packetFromJson<typeof p>(packetToJson(p))
    expect(back).toEqual(p)
    expect(Object.keys(back)).toContain('messageId')
    expect(Buffer.isBuffer(back.payload) && back.payload.toString()).toBe('hello-world')
    expect(Buffer.isBuffer(back.properties.correlationData)).toBe(true)
  })

  it('takes arrays, byte arrays and objects with toJSON through the general path', () => {
    for (const v of [[1, undefined, Buffer.from('a')], Buffer.from('top'), new Date(0), { toJSON: () => ({ a: 1 }) }]) {
      expect(packetToJson(v)).toBe(packetToJsonGeneral(v))
    }
  })
})
