import fc from 'fast-check'
import { Subject } from 'rxjs'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { groupCommit, type Committed } from '../../../src/engine/group-commit.js'

/** A commit function whose calls the test resolves or rejects by hand. */
function controlledCommit<T>() {
  const calls: Array<{ batch: T[]; resolve: (r: string) => void; reject: (e: unknown) => void }> = []
  const commit = (batch: readonly T[]): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      calls.push({ batch: [...batch], resolve, reject })
    })
  return { calls, commit }
}

/** Let every pending microtask (promise reactions, queueMicrotask) run. */
async function ticks(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve()
}

function harness(maxBatch: number, retryDelayMs?: number, window?: number) {
  const source = new Subject<number>()
  const { calls, commit } = controlledCommit<number>()
  const out: Array<Committed<number, string>> = []
  const retries: Array<[unknown, number]> = []
  let completed = false
  let error: unknown
  const onRetry = (e: unknown, n: number): void => void retries.push([e, n])
  const opts = { maxBatch, onRetry, ...(retryDelayMs === undefined ? {} : { retryDelayMs }), ...(window === undefined ? {} : { window }) }
  source.pipe(groupCommit(commit, opts)).subscribe({
    next: (c) => out.push(c),
    error: (e: unknown) => (error = e),
    complete: () => (completed = true),
  })
  return { source, calls, out, retries, get completed() { return completed }, get error() { return error } }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('groupCommit', () => {
  it('commits the first item alone, and items arriving meanwhile together in the next batch, in order', async () => {
    const h = harness(100)
    h.source.next(1)
    await ticks()
    expect(h.calls.map((c) => c.batch)).toEqual([[1]])
    h.source.next(2)
    h.source.next(3)
    await ticks()
    h.source.next(4)
    await ticks()
    expect(h.calls).toHaveLength(1) // one batch in flight at a time
    h.calls[0]!.resolve('r1')
    await ticks()
    expect(h.out).toEqual([{ batch: [1], result: 'r1' }])
    expect(h.calls.map((c) => c.batch)).toEqual([[1], [2, 3, 4]])
    h.calls[1]!.resolve('r2')
    await ticks()
    expect(h.out).toEqual([{ batch: [1], result: 'r1' }, { batch: [2, 3, 4], result: 'r2' }])
    expect(h.completed).toBe(false)
  })

  it('coalesces one synchronous burst into one batch', async () => {
    const h = harness(100)
    for (const i of [1, 2, 3]) h.source.next(i)
    await ticks()
    expect(h.calls.map((c) => c.batch)).toEqual([[1, 2, 3]])
  })

  it('respects maxBatch', async () => {
    const h = harness(2)
    h.source.next(1)
    await ticks()
    for (const i of [2, 3, 4, 5, 6]) h.source.next(i)
    for (let k = 0; k < 4; k++) {
      h.calls[k]!.resolve(`r${k}`)
      await ticks()
    }
    expect(h.calls.map((c) => c.batch)).toEqual([[1], [2, 3], [4, 5], [6]])
    expect(h.out.map((c) => c.result)).toEqual(['r0', 'r1', 'r2', 'r3'])
  })

  it('retries a rejected commit with the same batch after retryDelayMs, skipping nothing', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const h = harness(10, 50)
    h.source.next(1)
    h.source.next(2)
    await ticks()
    const boom = new Error('redis down')
    h.calls[0]!.reject(boom)
    await ticks()
    expect(h.retries).toEqual([[boom, 1]])
    h.source.next(3) // arrives while the failed batch waits for its retry
    await vi.advanceTimersByTimeAsync(49)
    expect(h.calls).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(h.calls.map((c) => c.batch)).toEqual([[1, 2], [1, 2]])
    h.calls[1]!.reject('again')
    await ticks()
    expect(h.retries[1]).toEqual(['again', 2])
    await vi.advanceTimersByTimeAsync(50)
    h.calls[2]!.resolve('ok')
    await ticks()
    expect(h.calls.map((c) => c.batch)).toEqual([[1, 2], [1, 2], [1, 2], [3]])
    h.calls[3]!.resolve('ok3')
    await ticks()
    expect(h.out).toEqual([{ batch: [1, 2], result: 'ok' }, { batch: [3], result: 'ok3' }])
  })

  it('on source completion, commits what is pending, then completes', async () => {
    const h = harness(2)
    h.source.next(1)
    await ticks()
    h.source.next(2)
    h.source.next(3)
    h.source.next(4)
    h.source.complete()
    await ticks()
    expect(h.completed).toBe(false)
    h.calls[0]!.resolve('a')
    await ticks()
    expect(h.calls.map((c) => c.batch)).toEqual([[1], [2, 3]])
    expect(h.completed).toBe(false)
    h.calls[1]!.resolve('b')
    await ticks()
    expect(h.completed).toBe(false)
    h.calls[2]!.resolve('c')
    await ticks()
    expect(h.out.map((c) => c.batch)).toEqual([[1], [2, 3], [4]])
    expect(h.completed).toBe(true)
  })

  it('completes without committing when nothing is pending, and flushes a burst completed synchronously', async () => {
    const idle = harness(5)
    idle.source.complete()
    await ticks()
    expect(idle.completed).toBe(true)
    expect(idle.calls).toHaveLength(0)

    const burst = harness(5)
    burst.source.next(7)
    burst.source.complete()
    await ticks()
    expect(burst.calls.map((c) => c.batch)).toEqual([[7]])
    expect(burst.completed).toBe(false)
    burst.calls[0]!.resolve('x')
    await ticks()
    expect(burst.completed).toBe(true)
  })

  it('property: batches concatenate to the input in order, each non-empty and at most maxBatch', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 5 }),
      fc.array(fc.array(fc.nat(), { maxLength: 8 }), { maxLength: 8 }),
      async (maxBatch, bursts) => {
        const h = harness(maxBatch)
        const input: number[] = []
        for (const burst of bursts) {
          for (const x of burst) h.source.next(x)
          input.push(...burst)
          await ticks(2)
          h.calls.at(-1)?.resolve('ok') // resolve whatever is in flight now and then
        }
        h.source.complete()
        for (let guard = 0; !h.completed && guard < 200; guard++) {
          for (const c of h.calls) c.resolve('ok')
          await ticks()
        }
        expect(h.completed).toBe(true)
        expect(h.out.flatMap((c) => c.batch)).toEqual(input)
        for (const c of h.out) {
          expect(c.batch.length).toBeGreaterThan(0)
          expect(c.batch.length).toBeLessThanOrEqual(maxBatch)
        }
      },
    ), { numRuns: 100 })
  })
})

describe('groupCommit guards', () => {
  it('refuses a maxBatch below 1', () => {
    expect(() => groupCommit(async () => undefined, { maxBatch: 0 })).toThrow(RangeError)
  })

  it('treats a commit that throws synchronously like one that rejects, and retries it', async () => {
    const { Subject, lastValueFrom, toArray } = await import('rxjs')
    const src = new Subject<number>()
    let calls = 0
    const out = lastValueFrom(
      src.pipe(
        groupCommit(
          (batch) => {
            calls++
            if (calls === 1) throw new Error('boom')
            return Promise.resolve(batch.length)
          },
          { maxBatch: 10, retryDelayMs: 1 },
        ),
        toArray(),
      ),
    )
    src.next(1)
    src.next(2)
    src.complete()
    const batches = await out
    expect(calls).toBe(2)
    expect(batches.map((b) => [...b.batch])).toEqual([[1, 2]])
  })
})

describe('groupCommit with a window of batches in flight', () => {
  // A window of 2; maxBatch 2: a batch of two is full, so it may start beside one in flight.
  const windowed = (window: number, maxBatch = 2) => harness(maxBatch, 5, window)

  it('sends the next batch while one is in flight, and emits them in order whichever finishes first (a batch holds its place until emitted)', async () => {
    const h = windowed(2)
    h.source.next(1)
    await ticks()
    h.source.next(2)
    h.source.next(3)
    await ticks()
    h.source.next(4)
    await ticks()
    // Two in flight; 4 waits for room.
    expect(h.calls.map((c) => c.batch)).toEqual([[1], [2, 3]])
    h.calls[1]!.resolve('r2')
    await ticks()
    expect(h.out).toEqual([]) // [2, 3] waits for [1], and holds its place in the window until then
    expect(h.calls.map((c) => c.batch)).toEqual([[1], [2, 3]])
    h.calls[0]!.resolve('r1')
    await ticks()
    expect(h.out).toEqual([{ batch: [1], result: 'r1' }, { batch: [2, 3], result: 'r2' }])
    expect(h.calls.map((c) => c.batch)).toEqual([[1], [2, 3], [4]])
  })

  it('after a failure, waits for the batches in flight, then commits the failed one and every later one again, in order, before anything new', async () => {
    vi.useFakeTimers()
    const h = windowed(2, 1)
    h.source.next(1)
    await ticks()
    h.source.next(2)
    await ticks()
    expect(h.calls.map((c) => c.batch)).toEqual([[1], [2]])
    h.calls[0]!.reject(new Error('lost'))
    await ticks()
    h.source.next(3) // arrives during the failure: not sent until the recovery is done
    await ticks()
    expect(h.calls).toHaveLength(2) // [2] is still in flight: nothing is redone yet
    h.calls[1]!.resolve('r2-first') // it succeeded, but it ran after a batch that failed
    await ticks()
    expect(h.retries.map(([e, n]) => [(e as Error).message, n])).toEqual([['lost', 1]])
    await vi.advanceTimersByTimeAsync(5)
    expect(h.calls.map((c) => c.batch)).toEqual([[1], [2], [1]])
    h.calls[2]!.resolve('r1')
    await ticks()
    expect(h.calls.map((c) => c.batch)).toEqual([[1], [2], [1], [2]])
    h.calls[3]!.resolve('r2')
    await ticks()
    expect(h.out).toEqual([{ batch: [1], result: 'r1' }, { batch: [2], result: 'r2' }])
    expect(h.calls.map((c) => c.batch)).toEqual([[1], [2], [1], [2], [3]])
  })

  it('property: over a connection that runs commits in call order and fails some (before or after writing), the store ends as the items written one by one', async () => {
    type Outcome = 'ok' | 'failBefore' | 'failAfter'
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.array(fc.nat(3), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }),
      fc.array(fc.constantFrom<Outcome>('ok', 'ok', 'failBefore', 'failAfter'), { maxLength: 12 }),
      async (window, maxBatch, bursts, outcomes) => {
        // Items are [key, seq]; the store keeps the last seq written per key.
        const store = new Map<number, number>()
        let calls = 0
        let connection: Promise<unknown> = Promise.resolve()
        const commit = (batch: readonly (readonly [number, number])[]): Promise<number> => {
          const outcome = outcomes[calls++] ?? 'ok'
          const done = connection.then(async () => {
            await Promise.resolve()
            if (outcome === 'failBefore') throw new Error('refused')
            for (const [k, seq] of batch) store.set(k, seq)
            if (outcome === 'failAfter') throw new Error('reply lost')
            return batch.length
          })
          connection = done.catch(() => undefined)
          return done
        }
        const source = new Subject<readonly [number, number]>()
        const out: Array<readonly [number, number]> = []
        let completed = false
        source.pipe(groupCommit(commit, { maxBatch, window, retryDelayMs: 0 })).subscribe({
          next: (c) => out.push(...c.batch),
          complete: () => (completed = true),
        })
        const input: Array<readonly [number, number]> = []
        const model = new Map<number, number>()
        for (const burst of bursts) {
          for (const k of burst) {
            const item = [k, input.length] as const
            input.push(item)
            model.set(k, item[1])
            source.next(item)
          }
          await ticks(3)
        }
        source.complete()
        for (let guard = 0; !completed && guard < 500; guard++) await new Promise((r) => setTimeout(r, 0))
        expect(completed).toBe(true)
        expect(out).toEqual(input)
        expect(store).toEqual(model)
      },
    ), { numRuns: 200 })
  })
})

describe('groupCommit by weight', () => {
  it('puts at most maxWeight in a batch (an item heavier than that alone), and starts a second batch beside one in flight only once a full one waits', async () => {
    const source = new Subject<number>()
    const { calls, commit } = controlledCommit<number>()
    source.pipe(groupCommit(commit, { maxBatch: 100, window: 2, weight: (n) => n, maxWeight: 10 })).subscribe()
    source.next(4)
    source.next(4)
    source.next(4)
    source.next(20)
    source.next(1)
    await ticks()
    // [4, 4] (12 would be over 10), then beside it [4], full since 20 would not fit; two in flight.
    expect(calls.map((c) => c.batch)).toEqual([[4, 4], [4]])
    calls[0]!.resolve('a')
    await ticks()
    // [20] alone (heavier than 10) is full: it goes beside [4].
    expect(calls.map((c) => c.batch)).toEqual([[4, 4], [4], [20]])
    calls[1]!.resolve('b')
    await ticks()
    // [1] is all that waits and is not full: not beside [20].
    expect(calls.map((c) => c.batch)).toEqual([[4, 4], [4], [20]])
    calls[2]!.resolve('c')
    await ticks()
    expect(calls.map((c) => c.batch)).toEqual([[4, 4], [4], [20], [1]])
  })
})
