/**
 * Property: a batch folded by planCommands and sent as one MULTI/EXEC over a
 * raw connection leaves Redis exactly as the same writes sent one by one
 * through ioredis: every key's type, value and expiry, on a small key space
 * where writes collide (hash, sorted-set and string operations on the same
 * keys, deletions, expiries, and type clashes Redis refuses).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { RedisWrite } from '../../../projections/writes.js'
import { queueWrite } from '../../../src/redis/apply.js'
import { openBulkSink } from '../../../src/redis/bulk-sink.js'
import { planCommands } from '../../../src/redis/command-plan.js'
import { dumpKeys, type Dump } from '../../support/dump.js'
import { useRedis } from '../../support/redis.js'

const redis = useRedis()
let run = 0

const name = fc.constantFrom('h1', 'h2', 'z1', 'z2', 's1')
const field = fc.constantFrom('a', 'b', 'c')
const value = fc.oneof(fc.constantFrom('1', '2', 'é'), fc.uint8Array({ maxLength: 3 }).map((b) => Buffer.from(b)))
const future = Date.now() + 3_600_000

type Op = (k: (n: string) => string) => RedisWrite
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.tuple(name, fc.array(fc.tuple(field, value), { minLength: 1, maxLength: 3 })).map(([n, fields]): Op => (k) => ({ op: 'hset', key: k(n), fields })),
  fc.tuple(name, field, value).map(([n, f, v]): Op => (k) => ({ op: 'hsetnx', key: k(n), field: f, value: v })),
  fc.tuple(name, field).map(([n, f]): Op => (k) => ({ op: 'hdel', key: k(n), field: f })),
  fc.tuple(name, field, fc.integer({ min: 0, max: 5 }), fc.boolean()).map(([n, m, score, nx]): Op => (k) => ({ op: 'zadd', key: k(n), member: m, score, nx })),
  fc.tuple(name, field).map(([n, m]): Op => (k) => ({ op: 'zrem', key: k(n), member: m })),
  fc.tuple(name, value).map(([n, v]): Op => (k) => ({ op: 'set', key: k(n), value: v })),
  name.map((n): Op => (k) => ({ op: 'del', key: k(n) })),
  fc.tuple(name, fc.integer({ min: 0, max: 100 })).map(([n, s]): Op => (k) => ({ op: 'pexpireat', key: k(n), at: future + s * 1000 })),
)

function strip(d: Dump, prefix: string): Dump {
  return Object.fromEntries(Object.entries(d).map(([key, v]) => [key.slice(prefix.length), v]))
}

describe('planCommands', () => {
  it('a folded batch leaves Redis as the same writes one by one do', async () => {
    const sink = await openBulkSink(redis.client)
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 8 }), fc.array(op, { minLength: 1, maxLength: 25 }), async (before, batch) => {
          const one = `p${++run}a:`
          const folded = `p${run}b:`
          for (const prefix of [one, folded]) {
            const p = redis.client.pipeline()
            // The state before the batch carries no expiry (see the planner's one assumption).
            for (const w of before) if (w(() => '').op !== 'pexpireat') queueWrite(p, w((n) => prefix + n))
            await p.exec()
          }
          const p = redis.client.pipeline()
          for (const w of batch) queueWrite(p, w((n) => one + n))
          await p.exec()
          await sink.apply(planCommands(batch.map((w) => w((n) => folded + n))), [])
          expect(strip(await dumpKeys(redis.client, `${folded}*`), folded)).toEqual(strip(await dumpKeys(redis.client, `${one}*`), one))
        }),
        { numRuns: 400 },
      )
    } finally {
      sink.close()
    }
  })

  it('folds writes to one key into one command per kind', () => {
    const plan = planCommands([
      { op: 'hset', key: 'n', fields: [['c1', '1']] },
      { op: 'hset', key: 'n', fields: [['c2', '1']] },
      { op: 'hdel', key: 'n', field: 'c1' },
      { op: 'zadd', key: 'i', score: 0, member: 't1' },
      { op: 'zadd', key: 'i', score: 0, member: 't2' },
      { op: 'hsetnx', key: 'c', field: 'offline_at', value: 'undefined' },
      { op: 'hset', key: 'c', fields: [['offline_at', '9']] },
    ])
    expect(plan).toEqual([
      ['HSET', 'n', 'c2', '1'],
      ['HDEL', 'n', 'c1'],
      ['ZADD', 'i', 0, 't1', 0, 't2'],
      ['HSET', 'c', 'offline_at', '9'],
    ])
  })
})
