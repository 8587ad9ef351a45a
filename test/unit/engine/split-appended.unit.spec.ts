import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { splitAppended } from '../../../src/engine/commit.js'
import type { DomainEvent } from '../../../src/events/domain.js'

/** Items holding `n` events each (only their count matters here). */
const items = (counts: readonly number[]): Array<{ events: DomainEvent[]; id: number }> =>
  counts.map((n, id) => ({ id, events: Array.from({ length: n }, () => ({}) as DomainEvent) }))

describe('splitAppended', () => {
  it('cuts a batch into parts of at most `most` items, in order, each with the log position of its own last event', () => {
    fc.assert(fc.property(fc.array(fc.nat(3), { maxLength: 40 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 1000 }), (counts, most, first) => {
      const batch = items(counts)
      const total = counts.reduce((a, b) => a + b, 0)
      // The log gave the batch's events the positions first+1 .. first+total (0: no log).
      const last = total === 0 ? 0 : first + total
      const parts = splitAppended({ batch, last }, most)
      expect(parts.flatMap((p) => p.batch)).toEqual(batch)
      for (const p of parts) expect(p.batch.length).toBeLessThanOrEqual(Math.max(most, 1))
      let seen = 0
      for (const p of parts) {
        seen += p.batch.reduce((n, d) => n + d.events.length, 0)
        expect(p.last).toBe(last === 0 ? 0 : first + seen)
      }
      expect(parts.at(-1)?.last ?? last).toBe(last)
    }))
  })

  it('keeps a batch that fits as it is', () => {
    const u = { batch: items([1, 2]), last: 9 }
    expect(splitAppended(u, 2)).toEqual([u])
  })
})
