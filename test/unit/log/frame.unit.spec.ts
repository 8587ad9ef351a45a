import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { crc32, encodeFrame, readU64BE, writeU64BE } from '../../../src/log/frame.js'
import { encodeSegmentHeader, segmentPath } from '../../../src/log/segment.js'

describe('crc32', () => {
  it('matches the known CRC-32 (IEEE) check values', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926)
    expect(crc32(Buffer.alloc(0))).toBe(0)
    expect(crc32(Buffer.from('a'))).toBe(0xe8b7be43)
    expect(crc32(Buffer.from('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339)
    expect(crc32(Buffer.alloc(32, 0xff))).toBe(0xff6cab0b)
  })

  it('equals a bit-at-a-time reference for any bytes and range', () => {
    const reference = (b: Uint8Array): number => {
      let c = 0xffffffff
      for (const byte of b) {
        c ^= byte
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      }
      return (c ^ 0xffffffff) >>> 0
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (bytes, skip) => {
        const start = bytes.length === 0 ? 0 : skip % bytes.length
        expect(crc32(bytes, start)).toBe(reference(bytes.subarray(start)))
      }),
    )
  })

  it('of a range equals that of the same bytes alone', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = bytes.length === 0 ? 0 : a % bytes.length
        const end = start + (bytes.length === 0 ? 0 : b % (bytes.length - start + 1))
        expect(crc32(bytes, start, end)).toBe(crc32(bytes.slice(start, end)))
      }),
    )
  })

  it('changes when any single bit flips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (bytes, i, bit) => {
        const flipped = Uint8Array.from(bytes)
        flipped[i % bytes.length]! ^= 1 << bit
        expect(crc32(flipped)).not.toBe(crc32(bytes))
      }),
    )
  })
})

describe('frames', () => {
  it('are [u32 BE length][u32 BE crc32 of payload][payload]', () => {
    const frame = encodeFrame(Buffer.from('123456789'))
    expect(frame.readUInt32BE(0)).toBe(9)
    expect(frame.readUInt32BE(4)).toBe(0xcbf43926)
    expect(frame.subarray(8).toString()).toBe('123456789')
  })
})

describe('u64 positions', () => {
  it('round-trip every safe integer, big-endian', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        const buf = Buffer.alloc(8)
        writeU64BE(buf, 0, n)
        expect(buf.readBigUInt64BE(0)).toBe(BigInt(n))
        expect(readU64BE(buf, 0)).toBe(n)
      }),
    )
  })

  it('read as null past the safe integers, so a damaged high half is never a position', () => {
    const buf = Buffer.alloc(8)
    buf.writeBigUInt64BE(2n ** 53n)
    expect(readU64BE(buf, 0)).toBeNull()
  })
})

describe('segment header', () => {
  it('is 32 bytes: magic, u16 version 1, reserved, u64 first position, reserved zeros', () => {
    const h = encodeSegmentHeader(0x1_0000_0002)
    expect(h).toHaveLength(32)
    expect(h.subarray(0, 8)).toEqual(Buffer.from('MQRLOG\0\0', 'latin1'))
    expect(h.readUInt16BE(8)).toBe(1)
    expect(h.readUInt16BE(10)).toBe(0)
    expect(h.readUInt32BE(12)).toBe(0)
    expect(h.readBigUInt64BE(16)).toBe(0x1_0000_0002n)
    expect(h.subarray(24)).toEqual(Buffer.alloc(8))
  })

  it('file names are the first position padded to 20 digits, so lexical order is log order', () => {
    expect(segmentPath('/d', 1)).toBe('/d/00000000000000000001.seg')
    const names = [1, 9, 10, 999, 1000, Number.MAX_SAFE_INTEGER].map((n) => segmentPath('/d', n))
    expect([...names].sort()).toEqual(names)
  })
})
