import fc from 'fast-check'
import { Subject, toArray, lastValueFrom } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { inBursts } from '../../../src/engine/bursts.js'

describe('inBursts', () => {
  it('hands each burst (one turn of the event loop) over at once and emits one output per item, in order', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.array(fc.integer(), { maxLength: 20 }), { maxLength: 8 }), async (bursts) => {
      const input = new Subject<number>()
      const seen: number[][] = []
      const out = lastValueFrom(input.pipe(inBursts((b: readonly number[]) => {
        seen.push([...b])
        return b.map((n) => n * 2)
      }), toArray()))
      for (const burst of bursts) {
        // Items of one turn, some of them from microtasks: still one burst.
        for (const [k, n] of burst.entries()) {
          if (k % 3 === 2) await Promise.resolve()
          input.next(n)
        }
        await new Promise((r) => setImmediate(r))
      }
      input.complete()
      expect(await out).toEqual(bursts.flat().map((n) => n * 2))
      expect(seen).toEqual(bursts.filter((b) => b.length > 0))
    }))
  })

  it('handles a burst still waiting when the source completes, before completing', async () => {
    const input = new Subject<string>()
    const out = lastValueFrom(input.pipe(inBursts((b: readonly string[]) => b.map((s) => s.toUpperCase())), toArray()))
    input.next('a')
    input.next('b')
    input.complete()
    expect(await out).toEqual(['A', 'B'])
  })

  it('errors the stream when the handler throws', async () => {
    const input = new Subject<number>()
    const out = lastValueFrom(input.pipe(inBursts(() => {
      throw new Error('boom')
    })))
    input.next(1)
    await expect(out).rejects.toThrow('boom')
  })
})
