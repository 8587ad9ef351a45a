import { open, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { DomainEvent } from '../../../src/events/domain.js'
import { encodeEvent } from '../../../src/log/codec.js'
import { EventLogClosedError, openEventLog, type Durability } from '../../../src/log/event-log.js'
import { crc32 } from '../../../src/log/frame.js'
import { logStats } from '../../../src/log/reader.js'
import { sampleEvents } from '../../unit/log/events.arb.js'
import { frameOffsets, readAll, segmentNames, useTempDir } from './support.js'

const tempDir = useTempDir()

describe('openEventLog / append / readEventLog', () => {
  it('gives consecutive positions from 1 and reads every event back in order', async () => {
    const dir = tempDir()
    const events = sampleEvents(10)
    const log = await openEventLog({ dir })
    expect(log.lastPosition()).toBe(0)
    expect(await log.append(events.slice(0, 3))).toEqual({ first: 1, last: 3 })
    expect(await log.append(events.slice(3, 4))).toEqual({ first: 4, last: 4 })
    expect(await log.append(events.slice(4))).toEqual({ first: 5, last: 10 })
    expect(log.lastPosition()).toBe(10)
    expect(await readAll(dir)).toStrictEqual(events.map((event, i) => ({ position: i + 1, event })))
    expect((await readAll(dir, { from: 7 })).map((r) => r.position)).toEqual([7, 8, 9, 10])
    expect(await readAll(dir, { from: 11 })).toEqual([])
    await log.close()
  })

  it('writes the documented format: header, then frames of u64 position + encoded event', async () => {
    const dir = tempDir()
    const events = sampleEvents(2)
    const log = await openEventLog({ dir })
    await log.append(events)
    await log.close()
    expect(await segmentNames(dir)).toEqual(['00000000000000000001.seg'])
    const file = await readFile(join(dir, '00000000000000000001.seg'))
    expect(file.subarray(0, 8).toString('latin1')).toBe('MQRLOG\0\0')
    expect(file.readBigUInt64BE(16)).toBe(1n)
    const [a, b] = await frameOffsets(join(dir, '00000000000000000001.seg'))
    for (const [at, i] of [[a!, 0], [b!, 1]] as const) {
      const payload = file.subarray(at + 8, at + 8 + file.readUInt32BE(at))
      expect(file.readUInt32BE(at + 4)).toBe(crc32(payload))
      expect(payload.readBigUInt64BE(0)).toBe(BigInt(i + 1))
      expect(payload.subarray(8)).toEqual(encodeEvent(events[i]!))
    }
  })

  it('resolves an empty append without writing, and serializes concurrent appends in call order', async () => {
    const dir = tempDir()
    const log = await openEventLog({ dir })
    expect(await log.append([])).toEqual({ first: 1, last: 0 })
    const batches = Array.from({ length: 20 }, (_, i) => sampleEvents(1 + (i % 3), i * 3))
    const results = await Promise.all(batches.map((b) => log.append(b)))
    let next = 1
    for (const [i, r] of results.entries()) {
      expect(r).toEqual({ first: next, last: next + batches[i]!.length - 1 })
      next = r.last + 1
    }
    expect((await readAll(dir)).map((r) => r.event)).toStrictEqual(batches.flat())
    await log.close()
  })

  it('rolls to new segments past segmentBytes, and reads from a middle position without opening earlier segments', async () => {
    const dir = tempDir()
    const events = sampleEvents(40)
    const log = await openEventLog({ dir, segmentBytes: 512 })
    for (let i = 0; i < events.length; i += 4) await log.append(events.slice(i, i + 4))
    await log.close()
    const names = await segmentNames(dir)
    expect(names.length).toBeGreaterThan(3)
    for (const name of names) expect((await stat(join(dir, name))).size).toBeLessThanOrEqual(512)
    // Each name is its first position, and a batch never spans segments.
    expect(names.map((n) => (Number(n.slice(0, 20)) - 1) % 4)).toEqual(names.map(() => 0))
    expect(await readAll(dir)).toStrictEqual(events.map((event, i) => ({ position: i + 1, event })))

    // Spoil the first two segments: a read from inside the third must not touch them.
    for (const name of names.slice(0, 2)) await writeFile(join(dir, name), 'not a segment')
    const third = Number(names[2]!.slice(0, 20))
    const from = third + 1
    expect(await readAll(dir, { from })).toStrictEqual(events.slice(from - 1).map((event, i) => ({ position: from + i, event })))
    await expect(readAll(dir)).rejects.toThrow(/bad magic|cut short/)
  })

  it('continues positions after a reopen', async () => {
    const dir = tempDir()
    const events = sampleEvents(9)
    let log = await openEventLog({ dir, segmentBytes: 600 })
    await log.append(events.slice(0, 5))
    await log.close()
    log = await openEventLog({ dir, segmentBytes: 600 })
    expect(log.lastPosition()).toBe(5)
    expect(await log.append(events.slice(5))).toEqual({ first: 6, last: 9 })
    await log.close()
    expect((await readAll(dir)).map((r) => r.event)).toStrictEqual(events)
  })

  it.each<[string, Durability]>([
    ['batch', { mode: 'batch' }],
    ['interval', { mode: 'interval', everyMs: 5 }],
    ['never', { mode: 'never' }],
  ])('round-trips with durability %s', async (_, durability) => {
    const dir = tempDir()
    const events = sampleEvents(30)
    const log = await openEventLog({ dir, durability, segmentBytes: 2048 })
    for (let i = 0; i < events.length; i += 7) await log.append(events.slice(i, i + 7))
    await log.close()
    expect(await readAll(dir)).toStrictEqual(events.map((event, i) => ({ position: i + 1, event })))
  })

  it('finishes appends queued before close, and refuses appends after it', async () => {
    const dir = tempDir()
    const log = await openEventLog({ dir, durability: { mode: 'never' } })
    const pending = log.append(sampleEvents(3))
    const closed = log.close()
    expect(log.close()).toBe(closed)
    await expect(log.append(sampleEvents(1))).rejects.toBeInstanceOf(EventLogClosedError)
    expect(await pending).toEqual({ first: 1, last: 3 })
    await closed
    expect(await readAll(dir)).toHaveLength(3)
  })

  it('refuses a second open of the same directory in this process', async () => {
    const dir = tempDir()
    const log = await openEventLog({ dir })
    await expect(openEventLog({ dir: `${dir}/.` })).rejects.toThrow(/already open/)
    await log.close()
    await (await openEventLog({ dir })).close()
  })

  it('rejects bad options', async () => {
    await expect(openEventLog({ dir: tempDir(), segmentBytes: 32 })).rejects.toThrow(RangeError)
    await expect(openEventLog({ dir: tempDir(), durability: { mode: 'interval', everyMs: 0 } })).rejects.toThrow(RangeError)
  })

  it('reads a v1 record written by hand back upcast, and appends after it', async () => {
    const dir = tempDir()
    const v1 = Buffer.from('{"v":1,"type":"SubscriptionAdded","data":{"filter":"pubsub/#","qos":1,"options":{"nl":false,"rap":false,"rh":0}},' +
      '"meta":{"clientId":"dev-1","node":"n1","seq":1,"at":1700000000000}}')
    const header = Buffer.alloc(32)
    header.write('MQRLOG\0\0', 0, 'latin1')
    header.writeUInt16BE(1, 8)
    header.writeBigUInt64BE(1n, 16)
    const payload = Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]), v1])
    const frame = Buffer.alloc(8)
    frame.writeUInt32BE(payload.length, 0)
    frame.writeUInt32BE(crc32(payload), 4)
    await writeFile(join(dir, '00000000000000000001.seg'), Buffer.concat([header, frame, payload]))

    const upcast: DomainEvent = {
      type: 'SubscriptionAdded',
      meta: { clientId: 'dev-1', node: 'n1', seq: 1, at: 1_700_000_000_000 },
      data: { filter: 'pubsub/#', qos: 1, options: { nl: false, rap: false, rh: 0 }, fetch: false, pubsubStart: null },
    }
    expect(await readAll(dir)).toStrictEqual([{ position: 1, event: upcast }])
    const log = await openEventLog({ dir })
    expect(await log.append(sampleEvents(1))).toEqual({ first: 2, last: 2 })
    await log.close()
    expect((await readAll(dir)).map((r) => r.event)).toStrictEqual([upcast, ...sampleEvents(1)])
  })
})

describe('logStats', () => {
  it('counts segments, bytes, and the first and last positions', async () => {
    const dir = tempDir()
    const log = await openEventLog({ dir, segmentBytes: 700 })
    expect(await logStats(dir)).toEqual({ segments: 1, bytes: 32, firstPosition: 0, lastPosition: 0 })
    for (let i = 0; i < 12; i++) await log.append(sampleEvents(2, i * 2))
    await log.close()
    const names = await segmentNames(dir)
    let bytes = 0
    for (const n of names) bytes += (await stat(join(dir, n))).size
    expect(await logStats(dir)).toEqual({ segments: names.length, bytes, firstPosition: 1, lastPosition: 24 })
  })

  it('does not count a torn tail', async () => {
    const dir = tempDir()
    const log = await openEventLog({ dir })
    await log.append(sampleEvents(3))
    await log.close()
    const fh = await open(join(dir, '00000000000000000001.seg'), 'r+')
    await fh.truncate((await fh.stat()).size - 2)
    await fh.close()
    expect((await logStats(dir)).lastPosition).toBe(2)
  })
})

describe('the log directory', () => {
  it('is created, parents included, when missing', async () => {
    const dir = join(tempDir(), 'a', 'b', 'log')
    const log = await openEventLog({ dir })
    expect(log.dir).toBe(dir)
    await log.append(sampleEvents(1))
    await log.close()
    expect(await segmentNames(dir)).toEqual(['00000000000000000001.seg'])
  })
})
