/**
 * Property: whatever batches are appended, with whatever segment size (so
 * rolls land anywhere), durability mode and reopens in between, reading the
 * log gives back exactly the events appended, in order, at positions 1..n.
 */
import fc from 'fast-check'
import { mkdtemp, rm, stat, truncate } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { DomainEvent } from '../../../src/events/domain.js'
import { openEventLog, type Durability, type EventLog } from '../../../src/log/event-log.js'
import { logStats } from '../../../src/log/reader.js'
import { eventArb } from '../../unit/log/events.arb.js'
import { captureLogger, frameOffsets, readAll, segmentNames } from './support.js'

type Op = { readonly kind: 'append'; readonly events: DomainEvent[] } | { readonly kind: 'reopen' }

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('append'), events: fc.array(eventArb, { maxLength: 12 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' }) },
)
const durability = fc.constantFrom<Durability>({ mode: 'batch' }, { mode: 'interval', everyMs: 3 }, { mode: 'never' })

describe('the event log', () => {
  it('reads back exactly what was appended, in order, at consecutive positions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), fc.integer({ min: 33, max: 3000 }), durability, fc.nat(), async (ops, segmentBytes, mode, fromSeed) => {
        const dir = await mkdtemp(join(tmpdir(), 'mqr-log-prop-'))
        const open = (): Promise<EventLog> => openEventLog({ dir, segmentBytes, durability: mode })
        let log = await open()
        try {
          const model: DomainEvent[] = []
          for (const o of ops) {
            if (o.kind === 'reopen') {
              await log.close()
              log = await open()
              expect(log.lastPosition()).toBe(model.length)
              continue
            }
            const r = await log.append(o.events)
            expect(r).toEqual({ first: model.length + 1, last: model.length + o.events.length })
            model.push(...o.events)
          }
          await log.close()
          const expected = model.map((event, i) => ({ position: i + 1, event }))
          expect(await readAll(dir)).toStrictEqual(expected)
          const from = 1 + (fromSeed % (model.length + 1))
          expect(await readAll(dir, { from })).toStrictEqual(expected.slice(from - 1))
          expect((await logStats(dir)).lastPosition).toBe(model.length)
        } finally {
          await log.close()
          await rm(dir, { recursive: true, force: true })
        }
      }),
      { numRuns: 40 },
    )
  })
})

describe('after a crash that cut the last segment anywhere', () => {
  it('open keeps exactly the whole records before the cut, warns only if it cut something, and appends go on', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(eventArb, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 300, max: 2000 }), fc.double({ min: 0, max: 1, noNaN: true }), async (batches, segmentBytes, where) => {
        const dir = await mkdtemp(join(tmpdir(), 'mqr-log-cut-'))
        try {
          let log = await openEventLog({ dir, segmentBytes })
          for (const b of batches) await log.append(b)
          await log.close()
          const names = await segmentNames(dir)
          const tail = join(dir, names.at(-1)!)
          const size = (await stat(tail)).size
          const cut = 32 + Math.floor(where * (size - 32))
          const frames = await frameOffsets(tail)
          const kept = frames.filter((_, i) => (frames[i + 1] ?? size) <= cut).length
          await truncate(tail, cut)

          const model = batches.flat()
          const survivors = model.length - frames.length + kept
          const { logger, lines } = captureLogger()
          log = await openEventLog({ dir, segmentBytes, logger })
          expect(lines()).toHaveLength(frames.includes(cut) || cut === size ? 0 : 1)
          expect(log.lastPosition()).toBe(survivors)
          const extra = batches[0]!
          expect(await log.append(extra)).toEqual({ first: survivors + 1, last: survivors + extra.length })
          await log.close()
          expect((await readAll(dir)).map((r) => r.event)).toStrictEqual([...model.slice(0, survivors), ...extra])
        } finally {
          await rm(dir, { recursive: true, force: true })
        }
      }),
      { numRuns: 40 },
    )
  })
})
