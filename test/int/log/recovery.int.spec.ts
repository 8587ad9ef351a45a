/**
 * What a crash or a damaged disk leaves, and what open and read make of it:
 * a torn tail of the last segment is cut away with one warning; damage
 * anywhere else is a CorruptLogError naming the file and offset.
 */
import { randomBytes } from 'node:crypto'
import { appendFile, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CorruptLogError, openEventLog } from '../../../src/log/event-log.js'
import { encodeRecords } from '../../../src/log/segment.js'
import { sampleEvents } from '../../unit/log/events.arb.js'
import { captureLogger, frameOffsets, readAll, segmentNames, useTempDir } from './support.js'

const tempDir = useTempDir()
const SEG1 = '00000000000000000001.seg'

/** A closed log of `n` sample events in one segment, appended one by one. */
async function logOf(dir: string, n: number): Promise<string> {
  const log = await openEventLog({ dir })
  for (const e of sampleEvents(n)) await log.append([e])
  await log.close()
  return join(dir, SEG1)
}

async function flipByte(file: string, offset: number): Promise<void> {
  const fh = await open(file, 'r+')
  const b = Buffer.alloc(1)
  await fh.read(b, 0, 1, offset)
  b[0] = b[0]! ^ 0xff
  await fh.write(b, 0, 1, offset)
  await fh.close()
}

async function expectCorrupt(p: Promise<unknown>, file: string, offset: number): Promise<CorruptLogError> {
  const e = await p.then(() => undefined, (err: unknown) => err)
  if (!(e instanceof CorruptLogError)) throw new Error(`expected a CorruptLogError, got ${String(e)}`)
  const c = e
  expect(c.segment).toBe(file)
  expect(c.offset).toBe(offset)
  expect(c.message).toContain(file)
  expect(c.message).toContain(`byte offset ${offset}`)
  return c
}

describe('a torn tail of the last segment', () => {
  it.each([1, 3, 20])('cut short by %i bytes is cut away with one warning, and appending goes on', async (cut) => {
    const dir = tempDir()
    const file = await logOf(dir, 5)
    const size = (await stat(file)).size
    const lastFrame = (await frameOffsets(file))[4]!
    const fhs = await open(file, 'r+')
    await fhs.truncate(size - cut)
    await fhs.close()

    // The reader never repairs: it throws, or stops there when told to.
    await expectCorrupt(readAll(dir), file, lastFrame)
    expect(await readAll(dir, { tolerateTornTail: true })).toHaveLength(4)

    const { logger, lines } = captureLogger()
    const log = await openEventLog({ dir, logger })
    const warnings = lines().filter((l) => l['level'] === 40)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatchObject({ segment: file, offset: lastFrame, bytesDropped: size - cut - lastFrame })
    expect(lines()).toHaveLength(1)
    expect((await stat(file)).size).toBe(lastFrame)
    expect(log.lastPosition()).toBe(4)
    expect(await log.append(sampleEvents(2, 100))).toEqual({ first: 5, last: 6 })
    await log.close()
    expect((await readAll(dir)).map((r) => r.event)).toStrictEqual([...sampleEvents(4), ...sampleEvents(2, 100)])
  })

  it.each([
    ['random bytes', randomBytes(100)],
    ['a frame header claiming more bytes than the file has', Buffer.from([0, 0, 1, 0, 1, 2, 3, 4, 5])],
    ['a frame too short to be a record', Buffer.from([0, 0, 0, 2, 0, 0, 0, 0, 9, 9])],
    ['fewer bytes than a frame header', Buffer.from([0, 0])],
  ])('of garbage (%s) is cut away with one warning', async (_, garbage) => {
    const dir = tempDir()
    const file = await logOf(dir, 3)
    const size = (await stat(file)).size
    await appendFile(file, garbage)
    const { logger, lines } = captureLogger()
    const log = await openEventLog({ dir, logger })
    expect(lines()).toHaveLength(1)
    expect(lines()[0]).toMatchObject({ level: 40, segment: file, offset: size, bytesDropped: garbage.length })
    expect(log.lastPosition()).toBe(3)
    await log.append(sampleEvents(1, 50))
    await log.close()
    expect((await readAll(dir)).map((r) => r.position)).toEqual([1, 2, 3, 4])
  })

  it('that is a run of zeros (writeback lost in a power loss) is cut away even if whole records follow it', async () => {
    const dir = tempDir()
    const file = await logOf(dir, 3)
    const size = (await stat(file)).size
    const later = encodeRecords(sampleEvents(2, 3), 4)
    await appendFile(file, Buffer.concat([Buffer.alloc(4096), later]))
    const { logger, lines } = captureLogger()
    const log = await openEventLog({ dir, logger })
    expect(lines()).toHaveLength(1)
    expect(lines()[0]).toMatchObject({ offset: size, bytesDropped: 4096 + later.length })
    expect(log.lastPosition()).toBe(3)
    await log.close()
  })

  it('removes a segment left half-created by a crash during a roll', async () => {
    const dir = tempDir()
    await logOf(dir, 2)
    await writeFile(join(dir, '00000000000000000003.seg.tmp'), 'MQRLOG')
    const log = await openEventLog({ dir })
    expect(log.lastPosition()).toBe(2)
    await log.close()
    expect(await readdir(dir)).toEqual([SEG1])
  })

  it('leaves a clean log alone, without a warning', async () => {
    const dir = tempDir()
    const file = await logOf(dir, 3)
    const before = await readFile(file)
    const { logger, lines } = captureLogger()
    await (await openEventLog({ dir, logger })).close()
    expect(lines()).toEqual([])
    expect(await readFile(file)).toEqual(before)
  })
})

describe('corruption mid-log', () => {
  it.each([
    ['inside the event JSON', 30],
    ['in the checksum', 5],
    ['in the length', 2],
    ['in the position', 15],
  ])('a flipped byte %s of an early record is a CorruptLogError for open and read; the file is left as it was', async (_, into) => {
    const dir = tempDir()
    const file = await logOf(dir, 6)
    const second = (await frameOffsets(file))[1]!
    await flipByte(file, second + into)
    const before = await readFile(file)
    await expectCorrupt(openEventLog({ dir }), file, second)
    await expectCorrupt(readAll(dir), file, second)
    await expectCorrupt(readAll(dir, { tolerateTornTail: true }), file, second)
    expect(await readFile(file)).toEqual(before)
    // Nothing stays half-open after a failed open.
    await expectCorrupt(openEventLog({ dir }), file, second)
  })

  it('in an earlier segment is thrown by the reader, and by open when asked to verify all', async () => {
    const dir = tempDir()
    const log = await openEventLog({ dir, segmentBytes: 400 })
    for (let i = 0; i < 10; i++) await log.append(sampleEvents(2, i * 2))
    await log.close()
    const names = await segmentNames(dir)
    expect(names.length).toBeGreaterThan(2)
    const file = join(dir, names[0]!)
    const second = (await frameOffsets(file))[1]!
    await flipByte(file, second + 40)

    await expectCorrupt(readAll(dir), file, second)
    await expectCorrupt(openEventLog({ dir, verify: 'all' }), file, second)
    // By default open checks only headers before the last segment (a sealed segment was fsynced whole).
    await (await openEventLog({ dir })).close()
  })

  it('a missing middle segment is a gap in positions', async () => {
    const dir = tempDir()
    const log = await openEventLog({ dir, segmentBytes: 400 })
    for (let i = 0; i < 10; i++) await log.append(sampleEvents(2, i * 2))
    await log.close()
    const names = await segmentNames(dir)
    await rm(join(dir, names[1]!))
    const c = await expectCorrupt(readAll(dir), join(dir, names[2]!), 0)
    expect(c.reason).toMatch(/expected/)
    await expectCorrupt(openEventLog({ dir, verify: 'all' }), join(dir, names[2]!), 0)
  })

  it('a segment header that is not ours', async () => {
    const dir = tempDir()
    const file = await logOf(dir, 2)
    const bytes = await readFile(file)
    bytes.write('NOTALOG!', 0, 'latin1')
    await writeFile(file, bytes)
    const c = await expectCorrupt(openEventLog({ dir }), file, 0)
    expect(c.reason).toMatch(/bad magic/)
  })
})
