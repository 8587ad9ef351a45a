import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodePacket, encodePacket, PacketDecodeError, type StoredPacket } from '../../../src/client-store/codec.js'

const bytes = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b))
const userProperties = fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string({ maxLength: 6 }), fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 })), { maxKeys: 3 })

const publishArb: fc.Arbitrary<StoredPacket> = fc.record(
  {
    cmd: fc.constant('publish' as const),
    topic: fc.string({ unit: 'grapheme', maxLength: 20 }),
    payload: fc.oneof(bytes, fc.string({ unit: 'binary', maxLength: 40 })),
    qos: fc.constantFrom(1 as const, 2 as const),
    retain: fc.boolean(),
    dup: fc.boolean(),
    messageId: fc.integer({ min: 1, max: 65535 }),
    properties: fc.record(
      {
        payloadFormatIndicator: fc.boolean(),
        messageExpiryInterval: fc.nat(),
        responseTopic: fc.string({ maxLength: 8 }),
        correlationData: bytes,
        userProperties,
        subscriptionIdentifier: fc.oneof(fc.nat(), fc.array(fc.nat(), { maxLength: 3 })),
        contentType: fc.string({ maxLength: 8 }),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['cmd', 'topic', 'payload', 'qos', 'retain', 'dup', 'messageId'] },
)
const pubrelArb: fc.Arbitrary<StoredPacket> = fc.record(
  { cmd: fc.constant('pubrel' as const), messageId: fc.integer({ min: 1, max: 65535 }), reasonCode: fc.nat(255), properties: fc.record({ reasonString: fc.string(), userProperties }, { requiredKeys: [] }) },
  { requiredKeys: ['cmd', 'messageId'] },
)

describe('packet codec', () => {
  it('property: decode(encode(p)) equals p, with Buffers still Buffers and strings still strings', () => {
    fc.assert(
      fc.property(fc.oneof(publishArb, pubrelArb), (p) => {
        const back = decodePacket(encodePacket(p))
        expect(back).toEqual(p)
        const payload: unknown = Reflect.get(p, 'payload')
        if (payload !== undefined) expect(Buffer.isBuffer(Reflect.get(back, 'payload'))).toBe(Buffer.isBuffer(payload))
      }),
      { numRuns: 500 },
    )
  })

  it('a user property named like the Buffer tag stays a string', () => {
    const p: StoredPacket = { cmd: 'publish', topic: 't', payload: 'x', qos: 1, retain: false, dup: false, messageId: 1, properties: { userProperties: { $buf: 'AAEC', $$x: 'y' } } }
    expect(decodePacket(encodePacket(p))).toEqual(p)
  })

  it('keeps a Buffer payload as raw bytes after the header, not base64', () => {
    const payload = Buffer.alloc(1000, 7)
    const encoded = encodePacket({ cmd: 'publish', topic: 't', payload, qos: 1, retain: false, dup: false, messageId: 1 })
    expect(encoded.length).toBeLessThan(1100)
    expect(encoded.subarray(encoded.length - 1000).equals(payload)).toBe(true)
  })

  it('refuses bytes it did not write', () => {
    expect(() => decodePacket(Buffer.from('hello'))).toThrow(PacketDecodeError)
    const good = encodePacket({ cmd: 'pubrel', messageId: 1 })
    expect(() => decodePacket(good.subarray(0, good.length - 2))).toThrow(PacketDecodeError)
    const notAPacket = Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 2]), Buffer.from('{}')])
    expect(() => decodePacket(notAPacket)).toThrow(PacketDecodeError)
  })
})
