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
import { ensureScripts, scriptDef } from '../../../src/redis/scripts.js'
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

/**
 * A stored message (the storeMessage script), on the same small key space:
 * its hash, topic index and the three shared indexes collide with the keys
 * above (wrong types included), and msgids repeat (a message stored twice).
 */
const store: fc.Arbitrary<Op> = fc.tuple(fc.constantFrom('h1', 'h2', 's1'), fc.constantFrom('z1', 'z2', 'h1'), fc.constantFrom('m1', 'm2', 'm3'), fc.integer({ min: 0, max: 100 }))
  .map(([msg, topic, id, s]): Op => (k) => ({
    op: 'script',
    name: 'storeMessage',
    keys: [k('seq'), k(msg), k(topic), k('z2'), k('z1')],
    args: [id, 'c1', '1', `t/${topic}`, 'false', Buffer.from(id), '1700000000', String(future + s * 1000), `t/${topic}\u0000${id}`],
  }))
const opOrStore = fc.oneof({ arbitrary: op, weight: 3 }, { arbitrary: store, weight: 2 })
const seqClash = fc.constantFrom<Op>((k) => ({ op: 'set', key: k('seq'), value: 'x' }), (k) => ({ op: 'hset', key: k('seq'), fields: [['a', '1']] }))

function strip(d: Dump, prefix: string): Dump {
  return Object.fromEntries(Object.entries(d).map(([key, v]) => [key.slice(prefix.length), v]))
}

describe('planCommands', () => {
  it('a folded batch leaves Redis as the same writes one by one do', async () => {
    ensureScripts(redis.client)
    const sink = await openBulkSink(redis.client)
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.oneof(op, seqClash), { maxLength: 8 }), fc.array(opOrStore, { minLength: 1, maxLength: 25 }), async (before, batch) => {
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

  it('sends adjacent storeMessage calls as one storeMessages call, and a lone one as it is', () => {
    const stored = (id: string): RedisWrite => ({ op: 'script', name: 'storeMessage', keys: ['seq', `msg:${id}`, 'msg:t', 'topics', 'expiry'], args: [id, 'c1', '1', 't', 'false', 'p', '1', '9', `t\u0000${id}`] })
    const plan = planCommands([stored('a'), stored('b'), stored('c'), { op: 'hset', key: 'n', fields: [['c1', '1']] }, stored('d')])
    const [many, hset, one] = plan
    expect(plan).toHaveLength(3)
    expect(many?.slice(0, 6)).toEqual(['EVALSHA', scriptDef('storeMessages').sha, 3, 'seq', 'topics', 'expiry'])
    expect(many?.slice(6)).toEqual(['a', 'b', 'c'].flatMap((id) => [`msg:${id}`, 'msg:t', id, 'c1', '1', 't', 'false', 'p', '1', '9', `t\u0000${id}`]))
    expect(hset).toEqual(['HSET', 'n', 'c1', '1'])
    expect(one).toEqual(['EVALSHA', scriptDef('storeMessage').sha, 5, 'seq', 'msg:d', 'msg:t', 'topics', 'expiry', 'd', 'c1', '1', 't', 'false', 'p', '1', '9', 't\u0000d'])
  })

  it('reports messages Redis refused, and stores the others', async () => {
    const sink = await openBulkSink(redis.client)
    try {
      const prefix = `p${++run}r:`
      await redis.client.set(`${prefix}msg:t2`, 'not a sorted set')
      const stored = (id: string, topic: string): RedisWrite => ({
        op: 'script', name: 'storeMessage',
        keys: [`${prefix}seq`, `${prefix}msg:${id}`, `${prefix}msg:${topic}`, `${prefix}topics`, `${prefix}expiry`],
        args: [id, 'c1', '1', topic, 'false', 'p', '1', String(future), `${topic}\u0000${id}`],
      })
      const r = await sink.apply(planCommands([stored('a', 't1'), stored('b', 't2'), stored('c', 't1')]), [])
      expect(r.errors).toHaveLength(1)
      expect(r.errors[0]?.error.message).toMatch(/1 of 3 messages not stored: WRONGTYPE/)
      expect(await redis.client.zrange(`${prefix}msg:t1`, 0, -1, 'WITHSCORES')).toEqual(['a', '1', 'c', '2'])
      expect(await redis.client.exists(`${prefix}msg:b`)).toBe(0)
    } finally {
      sink.close()
    }
  })
})
