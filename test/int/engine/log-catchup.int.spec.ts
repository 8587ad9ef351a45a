/**
 * The engine with its event log: a crash between the log append and the
 * projection loses nothing, and a Redis outage never appends a batch twice.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createEngine } from '../../../src/engine/engine.js'
import type { DomainEvent } from '../../../src/events/domain.js'
import { openEventLog } from '../../../src/log/event-log.js'
import { readEventLog } from '../../../src/log/reader.js'
import { createLogger } from '../../../src/util/logger.js'
import { useRedis } from '../../support/redis.js'

const redis = useRedis()
const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'mqtt-redis-catchup-'))
  dirs.push(d)
  return d
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
const logger = createLogger({ level: 'silent' })

describe('engine + event log', () => {
  it('applies at startup exactly the log suffix Redis lacks (a crash after the append, before the projection)', async () => {
    const dir = tmp()
    const a = createEngine({ redis: redis.url, prefix: 'cu:', node: 'n1', logger, log: { dir } })
    await a.submit({ type: 'mqtt.subscribe', clientId: 'early', filter: 'e/#', qos: 1 })
    await a.close()
    expect(await redis.client.hget('cu:idx:checkpoint', 'n1')).toBe('1')

    // As if the engine had appended these and died before Redis got them.
    const log = await openEventLog({ dir })
    const late: DomainEvent = {
      type: 'SubscriptionAdded',
      data: { filter: 'l/#', qos: 2, options: { nl: false, rap: false, rh: 0 }, fetch: true, pubsubStart: null },
      meta: { clientId: 'late', node: 'n1', seq: 1, at: Date.now() },
    }
    await log.append([late])
    await log.close()
    expect(await redis.client.exists('cu:sub:late')).toBe(0)

    const b = createEngine({ redis: redis.url, prefix: 'cu:', node: 'n1', logger, log: { dir } })
    await b.ready
    expect(await redis.client.hgetall('cu:sub:late')).toEqual({ 'l/#': '2' })
    expect(await redis.client.hget('cu:idx:checkpoint', 'n1')).toBe('2')
    await b.submit({ type: 'mqtt.subscribe', clientId: 'after', filter: 'a', qos: 0 })
    await b.close()
    expect(await redis.client.hget('cu:idx:checkpoint', 'n1')).toBe('3')
  })

  it('a running engine applies again, in order, what Redis lost after acknowledging it (a restart without persistence, a failover)', async () => {
    const dir = tmp()
    const e = createEngine({ redis: redis.url, prefix: 'lost:', node: 'n1', logger, log: { dir } })
    await e.ready
    await e.submit({ type: 'mqtt.subscribe', clientId: 'c1', filter: 'a/#', qos: 1 })
    await e.submit({ type: 'mqtt.publish', clientId: 'c1', topic: 'r/1', payload: 'one', qos: 1, retain: true })
    await e.submit({ type: 'mqtt.publish', clientId: 'c1', topic: 'r/1', payload: '', qos: 1, retain: true }) // cleared again
    await e.submit({ type: 'mqtt.publish', clientId: 'c1', topic: 'r/2', payload: 'two', qos: 1, retain: true })
    // Redis comes back without the last two batches it acknowledged: their keys and the checkpoint go back.
    await redis.client.del('lost:retain:r/2')
    await redis.client.zrem('lost:idx:retain', 'r/2')
    await redis.client.hset('lost:idx:checkpoint', 'n1', '2')
    await redis.client.hset('lost:retain:r/1', 'payload', 'one') // as the old server had it before the clear
    // The next batch finds the gap inside its own transaction and applies 3..5 again, in order.
    await e.submit({ type: 'mqtt.subscribe', clientId: 'c2', filter: 'b', qos: 0 })
    expect(await redis.client.hget('lost:retain:r/2', 'payload')).toBe('two')
    expect(await redis.client.exists('lost:retain:r/1')).toBe(0)
    expect(await redis.client.hgetall('lost:sub:c2')).toEqual({ b: '0' })
    expect(await redis.client.hget('lost:idx:checkpoint', 'n1')).toBe('5')
    await e.close()
  })

  it('a script cache flushed under a live connection (NOSCRIPT) costs nothing: the batch is retried after the scripts are loaded again', async () => {
    const dir = tmp()
    const e = createEngine({ redis: redis.url, prefix: 'ns:', node: 'n1', logger, log: { dir } })
    await e.ready
    await e.submit({ type: 'mqtt.publish', clientId: 'p1', topic: 'queue/jobs', payload: 'one', qos: 1, retain: false })
    expect(await redis.client.zcard('ns:msg:queue/jobs')).toBe(1)
    await redis.client.script('FLUSH')
    const r = await e.submit({ type: 'mqtt.publish', clientId: 'p1', topic: 'queue/jobs', payload: 'two', qos: 1, retain: false })
    expect(r._tag).toBe('Right')
    // With a log, a batch Redis refuses is acknowledged from the log and retried: wait until it is in.
    await e.flush()
    expect(await redis.client.zcard('ns:msg:queue/jobs')).toBe(2)
    expect(e.stats().redisCommandErrors).toBe(0)
    await e.close()
  })

  it('while Redis refuses the writes, batches are retried but appended to the log once', async () => {
    const dir = tmp()
    const e = createEngine({ redis: redis.url, prefix: 'once:', node: 'n1', logger, log: { dir } })
    await e.ready
    // Out of memory: Redis aborts every transaction (EXECABORT), so commits fail and are retried.
    await redis.client.config('SET', 'maxmemory', '1')
    const pending = []
    for (let i = 0; i < 50; i++) pending.push(e.submit({ type: 'mqtt.subscribe', clientId: `c${i}`, filter: 'f', qos: 1 }))
    await new Promise((r) => setTimeout(r, 700)) // several failed tries
    expect(await redis.client.exists('once:sub:c0')).toBe(0)
    await redis.client.config('SET', 'maxmemory', '0')
    await Promise.all(pending)
    await e.close()
    const positions: number[] = []
    for await (const r of readEventLog(dir)) positions.push(r.position)
    expect(positions).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    expect(await redis.client.hget('once:idx:checkpoint', 'n1')).toBe('50')
  })

  it('while Redis is stopped, acknowledges from the log up to the bound, then slows the host; loses nothing', async () => {
    const dir = tmp()
    const lines: string[] = []
    const { pino } = await import('pino')
    const captured = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) })
    const e = createEngine({ redis: redis.url, prefix: 'down:', node: 'n1', logger: captured, highWaterMark: 40, log: { dir } })
    await e.ready
    await e.submit({ type: 'mqtt.subscribe', clientId: 'warm', filter: 'w', qos: 0 })
    await redis.stop()
    let acked = 0
    const all = []
    for (let i = 0; i < 100; i++) all.push(e.submit({ type: 'mqtt.subscribe', clientId: `c${i}`, filter: `f/${i}`, qos: 1 }).then(() => acked++))
    await new Promise((r) => setTimeout(r, 600))
    // Acknowledged from the log, but no more than the in-flight bound: the rest waits.
    expect(acked).toBeGreaterThan(0)
    expect(acked).toBeLessThanOrEqual(40)
    expect(e.stats().inFlight).toBeLessThanOrEqual(40)
    expect(lines.some((l) => l.includes('acknowledged from the event log'))).toBe(true)
    await redis.restart() // empty: it kept nothing on disk
    await Promise.all(all)
    await e.close()
    for (let i = 0; i < 100; i++) expect(await redis.client.hget(`down:sub:c${i}`, `f/${i}`)).toBe('1')
    const positions: number[] = []
    for await (const r of readEventLog(dir)) positions.push(r.position)
    expect(positions).toHaveLength(101)
  })

  it('refuses to start on a log another process holds', async () => {
    const dir = tmp()
    const { writeFileSync, mkdirSync } = await import('node:fs')
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'LOCK'), String(process.ppid)) // a live process that is not us
    const e = createEngine({ redis: redis.url, prefix: 'lock:', node: 'n1', logger, log: { dir } })
    await expect(e.ready).rejects.toThrow(/in use by process/)
    await expect(e.submit({ type: 'mqtt.subscribe', clientId: 'x', filter: 'f', qos: 0 })).rejects.toThrow(/in use/)
    await e.close()
  })
})
