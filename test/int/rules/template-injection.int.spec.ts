/**
 * Against a real redis-server: rule templates filled with hostile values
 * (CR/LF, RESP framing, quotes, `${...}`, FLUSHALL) write exactly those
 * values as keys, fields and values, and never run another command.
 */
import fc from 'fast-check'
import { beforeEach, describe, expect, it } from 'vitest'
import { runCommands } from '../../../src/rules/run-commands.js'
import { compileCommand, renderCommand, type TemplateContext } from '../../../src/rules/template.js'
import { useRedis } from '../../support/redis.js'

const redis = useRedis()

const sentinels: Readonly<Record<string, string>> = { 'sentinel:a': '1', 'sentinel:b': '2', 'sentinel:c': '3' }

const templates = [
  'SET conn:${clientid} ${clientid}',
  'HSET emqx_messages ${clientid} ${payload.temp}',
  'HINCRBY disconnected_reason ${reason} 1',
  'RPUSH pub:${topic} ${msgid}',
  'SET raw:${clientid} ${payload}',
].map(compileCommand)

const hostileClientIds = ['a b\r\nFLUSHALL', 'x\r\n*1\r\n$8\r\nFLUSHALL\r\n', '"; FLUSHALL; "', '${reason}']

async function run(ctx: TemplateContext) {
  return runCommands(redis.client, templates.map((t) => renderCommand(t, ctx)))
}

// Every command the server ran since the stats were reset must be one the
// rules or the test's own assertions send: an injected FLUSHALL, DEL or
// CONFIG SET would show up here even if it did no visible harm.
const expectedCommands = new Set(['config|resetstat', 'set', 'hset', 'hincrby', 'rpush', 'get', 'hget', 'hgetall', 'lrange', 'exists', 'dbsize', 'info'])

async function unexpectedCommands(alsoSent: readonly string[]): Promise<string[]> {
  const stats = await redis.client.info('commandstats')
  const ran = [...stats.matchAll(/^cmdstat_([^:]+):/gm)].map((m) => m[1] ?? '')
  return ran.filter((c) => !expectedCommands.has(c) && !alsoSent.includes(c))
}

async function expectSentinels(alsoSent: readonly string[] = []): Promise<void> {
  for (const [k, v] of Object.entries(sentinels)) expect(await redis.client.get(k)).toBe(v)
  expect(await unexpectedCommands(alsoSent)).toEqual([])
}

describe('rule templates against a real Redis', () => {
  beforeEach(async () => {
    // FLUSHDB from the test itself, not from a rule: counted, so reset the stats after.
    await redis.client.flushdb()
    await redis.client.config('RESETSTAT')
    for (const [k, v] of Object.entries(sentinels)) await redis.client.set(k, v)
  })

  it.each(hostileClientIds)('writes clientid %j verbatim as key, field and value', async (clientid) => {
    const reason = 'x\r\nFLUSHALL\r\n'
    const topic = 'a/"b"/${clientid} c\r\n'
    const msgid = '*2\r\n$3\r\nDEL\r\n$10\r\nsentinel:a\r\n'
    const payload = Buffer.from(JSON.stringify({ temp: '1\r\nFLUSHALL' }))
    const out = await run({ clientid, reason, topic, msgid, payload })

    expect(out.map((o) => (o.ok ? 'ok' : o.error.message))).toEqual(['ok', 'ok', 'ok', 'ok', 'ok'])
    await expectSentinels()
    expect(await redis.client.get(`conn:${clientid}`)).toBe(clientid)
    expect(await redis.client.hgetall('emqx_messages')).toEqual({ [clientid]: '1\r\nFLUSHALL' })
    expect(await redis.client.hgetall('disconnected_reason')).toEqual({ [reason]: '1' })
    expect(await redis.client.lrange(`pub:${topic}`, 0, -1)).toEqual([msgid])
    expect(await redis.client.getBuffer(`raw:${clientid}`)).toEqual(payload)
    // Nothing but the five keys written and the sentinels.
    expect(await redis.client.dbsize()).toBe(Object.keys(sentinels).length + 5)
  })

  it('stores a binary payload byte for byte', async () => {
    const payload = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x2a, 0x31, 0x0d, 0x0a, 0xc3, 0x28])
    await run({ clientid: 'bin', payload })
    expect(await redis.client.getBuffer('raw:bin')).toEqual(payload)
    expect(await redis.client.hget('emqx_messages', 'bin')).toBe('undefined')
  })

  it('reports a command Redis refuses and still runs the others', async () => {
    await redis.client.set('disconnected_reason', 'not a hash')
    const out = await run({ clientid: 'c1', reason: 'normal', payload: Buffer.from('{"temp":20}') })
    expect(out.map((o) => o.ok)).toEqual([true, true, false, true, true])
    expect(out[2]?.ok === false && out[2].error.message).toMatch(/^WRONGTYPE/)
    expect(await redis.client.hget('emqx_messages', 'c1')).toBe('20')
    await expectSentinels()
  })

  it('refuses HSET key ${payload} instead of letting ioredis spread the payload into fields', async () => {
    const [o] = await runCommands(redis.client, [renderCommand(compileCommand('hset h ${payload}'), { payload: Buffer.from('abc') })])
    expect(o?.ok).toBe(false)
    expect(await redis.client.exists('h')).toBe(0)
  })

  it('property: any clientid, reason and payload land verbatim and touch nothing else', async () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1 }),
      fc.array(fc.constantFrom('FLUSHALL', '\r\n', ' ', '"', '${reason}', '*1', '$8', ';', 'é', '\u0000'), { minLength: 1, maxLength: 8 }).map((xs) => xs.join('')),
    )
    await fc.assert(
      fc.asyncProperty(text, text, fc.uint8Array({ maxLength: 64 }), async (clientid, reason, bytes) => {
        await redis.client.del(`conn:${clientid}`, `raw:${clientid}`, 'emqx_messages', 'disconnected_reason')
        const payload = Buffer.from(bytes)
        const out = await run({ clientid, reason, payload })
        expect(out.filter((o) => !o.ok)).toEqual([])
        expect(await redis.client.get(`conn:${clientid}`)).toBe(clientid)
        expect(await redis.client.hgetall('disconnected_reason')).toEqual({ [reason]: '1' })
        expect(await redis.client.getBuffer(`raw:${clientid}`)).toEqual(payload)
        await expectSentinels(['del']) // the property's own cleanup
      }),
      { numRuns: 100 },
    )
  })
})
