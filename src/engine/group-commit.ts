/**
 * `groupCommit`: an RxJS operator that writes items in batches, at most
 * `window` batches in flight at a time (default 1). Items arriving while
 * the window is full wait and go out together in the next batch (group
 * commit), so under load one Redis round trip carries many events, and when
 * idle an event goes out at once.
 *
 * Semantics:
 * 1. Order is kept: batches are emitted in the order they were taken, items
 *    in a batch too, whatever order their commits finish in.
 * 2. At most `maxBatch` items per commit.
 * 3. A failed commit is retried (with `retryDelayMs` between tries) until it
 *    succeeds; nothing is skipped. The caller decides what "failed" means.
 *    With a window above 1, the batches sent after a failed one may already
 *    have been written after it, so once every batch in flight has finished,
 *    the failed one and every one after it are committed again, one at a
 *    time and in order, before anything new is sent: the last write of each
 *    is then the last in order. This requires commits that can run again
 *    (the engine's projection writes are idempotent) and that reach the
 *    store in the order they are called (one connection).
 * 4. On source completion, every waiting item is committed, then the output completes.
 */
import { Observable, type OperatorFunction } from 'rxjs'

export interface Committed<T, R> {
  readonly batch: readonly T[]
  readonly result: R
}

export interface GroupCommitOptions<T = unknown> {
  readonly maxBatch: number
  /**
   * Batches in flight at once (default 1); above 1, see semantics 3. While
   * one is in flight another starts only when it is full (`maxBatch` items,
   * `maxWeight`, or the item after it would not fit), so light traffic still
   * coalesces as with one in flight.
   */
  readonly window?: number
  /** What an item weighs (default 1); a batch holds at most `maxWeight` in all (default no bound), and at least one item. */
  readonly weight?: (item: T) => number
  readonly maxWeight?: number
  readonly retryDelayMs?: number
  readonly onRetry?: (error: unknown, attempt: number) => void
}

interface Flight<T, R> {
  readonly batch: readonly T[]
  state: 'running' | 'ok' | 'failed'
  result?: R
  error?: unknown
}

export function groupCommit<T, R>(commit: (batch: readonly T[]) => Promise<R>, opts: GroupCommitOptions<T>): OperatorFunction<T, Committed<T, R>> {
  if (!Number.isInteger(opts.maxBatch) || opts.maxBatch < 1) throw new RangeError(`maxBatch must be an integer >= 1, got ${opts.maxBatch}`)
  const window = opts.window ?? 1
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be an integer >= 1, got ${window}`)
  const delay = opts.retryDelayMs ?? 100
  const weigh = opts.weight ?? ((): number => 1)
  const maxWeight = opts.maxWeight ?? Infinity
  return (source) =>
    new Observable<Committed<T, R>>((subscriber) => {
      let pending: T[] = []
      /** In the order they were taken; the first is the oldest not yet emitted. */
      const flights: Array<Flight<T, R>> = []
      let failed = false
      let recovering = false
      let retryTimer: ReturnType<typeof setTimeout> | undefined
      let sourceDone = false
      let scheduled = false

      // Promise.resolve().then: a commit that throws is treated like one that rejects.
      const run = (batch: readonly T[]): Promise<R> => Promise.resolve(batch).then(commit)

      const emitDone = (): void => {
        while (flights.length > 0 && flights[0]?.state === 'ok') {
          const f = flights.shift() as Flight<T, R>
          subscriber.next({ batch: f.batch, result: f.result as R })
        }
      }

      const landed = (): void => {
        if (recovering) return
        emitDone()
        if (failed && flights.every((f) => f.state !== 'running')) recover()
        else kick()
      }

      /** The oldest batch failed: commit it and every later one again, one at a time, in order. */
      const recover = (): void => {
        recovering = true
        const again = flights.slice()
        let i = 0
        // Failures in a row of the batch being committed again (the first is the one that started this).
        let failures = 1
        const next = (): void => {
          const f = again[i]
          if (f === undefined) {
            recovering = false
            failed = false
            emitDone()
            kick()
            return
          }
          run(f.batch).then(
            (result) => {
              f.state = 'ok'
              f.result = result
              i += 1
              failures = 0
              next()
            },
            (error: unknown) => {
              failures += 1
              opts.onRetry?.(error, failures)
              retryTimer = setTimeout(next, delay)
            },
          )
        }
        retryTimer = setTimeout(next, delay)
      }

      const start = (batch: readonly T[]): void => {
        const f: Flight<T, R> = { batch, state: 'running' }
        flights.push(f)
        run(batch).then(
          (result) => {
            f.state = 'ok'
            f.result = result
            landed()
          },
          (error: unknown) => {
            f.state = 'failed'
            f.error = error
            failed = true
            // Said at once (the engine marks Redis down on it), even while other batches are still in flight.
            opts.onRetry?.(error, 1)
            landed()
          },
        )
      }

      /** How many items the next batch takes (up to maxBatch and maxWeight, at least one), and their weight. */
      const measure = (): { n: number; w: number } => {
        let n = 0
        let w = 0
        while (n < pending.length && n < opts.maxBatch) {
          const wi = weigh(pending[n] as T)
          if (n > 0 && w + wi > maxWeight) break
          w += wi
          n += 1
        }
        return { n, w }
      }

      const take = (n: number): T[] => {
        if (n === pending.length) {
          const all = pending
          pending = []
          return all
        }
        const batch = pending.slice(0, n)
        pending = pending.slice(n)
        return batch
      }

      const kick = (): void => {
        scheduled = false
        if (recovering || failed) return
        while (flights.length < window && pending.length > 0) {
          const { n, w } = measure()
          // Beside a batch in flight, only a full one: the rest of what waits would not fit in it.
          if (flights.length > 0 && n === pending.length && w < maxWeight && n < opts.maxBatch) break
          start(take(n))
        }
        if (sourceDone && pending.length === 0 && flights.length === 0) subscriber.complete()
      }

      const schedule = (): void => {
        // Coalesce the items of one synchronous burst into one batch.
        if (!scheduled && flights.length < window && !recovering && !failed) {
          scheduled = true
          queueMicrotask(kick)
        }
      }

      const sub = source.subscribe({
        next: (item) => {
          pending.push(item)
          schedule()
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          sourceDone = true
          schedule()
          if (flights.length > 0 || scheduled || recovering) return
          kick()
        },
      })
      return () => {
        clearTimeout(retryTimer)
        sub.unsubscribe()
      }
    })
}
