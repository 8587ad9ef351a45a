/**
 * RespWriter's bytes, read back by redis-parser (the parser ioredis uses):
 * every command comes back as the array of its arguments, byte for byte.
 */
import fc from 'fast-check'
import RedisParser from 'redis-parser'
import { describe, expect, it } from 'vitest'
import { RespWriter, type RespArg } from '../../../src/redis/resp.js'

function parse(bytes: Buffer): Buffer[][] {
  const out: Buffer[][] = []
  const parser = new RedisParser({
    returnBuffers: true,
    returnReply: (r: Buffer[]) => out.push(r),
    returnError: (e: Error) => {
      throw e
    },
  })
  parser.execute(bytes)
  return out
}

const bytesOf = (a: RespArg): Buffer => (Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'utf8'))

const arg: fc.Arbitrary<RespArg> = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
)

describe('RespWriter', () => {
  it('encodes commands that parse back to their arguments', () => {
    fc.assert(
      fc.property(fc.array(fc.array(arg, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 16, max: 4096 }), (commands, initial) => {
        const w = new RespWriter(initial)
        for (const c of commands) w.command(c)
        expect(w.commands).toBe(commands.length)
        const back = parse(w.take())
        expect(back).toEqual(commands.map((c) => c.map(bytesOf)))
        expect(w.commands).toBe(0)
      }),
      { numRuns: 300 },
    )
  })

  it('writes the exact RESP form', () => {
    const w = new RespWriter()
    w.command(['HSET', 'mqtt:client:é', 'state', 1])
    expect(w.take().toString('utf8')).toBe('*4\r\n$4\r\nHSET\r\n$14\r\nmqtt:client:é\r\n$5\r\nstate\r\n$1\r\n1\r\n')
  })
})
