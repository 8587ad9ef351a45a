/**
 * `groupCommit`: an RxJS operator that writes items in batches, one batch in
 * flight at a time. Items arriving while a batch is in flight wait and go out
 * together in the next one (group commit), so under load one Redis round
 * trip carries many events, and when idle an event goes out at once.
 *
 * Semantics:
 * 1. Order is kept: batches are committed in arrival order, items in a batch too.
 * 2. At most `maxBatch` items per commit.
 * 3. A failed commit is retried (with `retryDelayMs` between tries) until it
 *    succeeds; nothing is skipped. The caller decides what "failed" means.
 * 4. On source completion, every waiting item is committed, then the output completes.
 */
import { Observable, type OperatorFunction } from 'rxjs'

export interface Committed<T, R> {
  readonly batch: readonly T[]
  readonly result: R
}

export interface GroupCommitOptions {
  readonly maxBatch: number
  readonly retryDelayMs?: number
  readonly onRetry?: (error: unknown, attempt: number) => void
}

export function groupCommit<T, R>(commit: (batch: readonly T[]) => Promise<R>, opts: GroupCommitOptions): OperatorFunction<T, Committed<T, R>> {
  if (!Number.isInteger(opts.maxBatch) || opts.maxBatch < 1) throw new RangeError(`maxBatch must be an integer >= 1, got ${opts.maxBatch}`)
  return (source) =>
    new Observable<Committed<T, R>>((subscriber) => {
      let pending: T[] = []
      let retryTimer: ReturnType<typeof setTimeout> | undefined
      let busy = false
      let sourceDone = false
      let scheduled = false

      const attempt = (batch: readonly T[], n: number): void => {
        // Promise.resolve().then: a commit that throws is treated like one that rejects.
        Promise.resolve(batch).then(commit).then(
          (result) => {
            busy = false
            subscriber.next({ batch, result })
            kick()
          },
          (error: unknown) => {
            opts.onRetry?.(error, n)
            retryTimer = setTimeout(() => attempt(batch, n + 1), opts.retryDelayMs ?? 100)
          },
        )
      }

      const kick = (): void => {
        scheduled = false
        if (busy) return
        if (pending.length === 0) {
          if (sourceDone) subscriber.complete()
          return
        }
        let batch: T[]
        if (pending.length <= opts.maxBatch) {
          batch = pending
          pending = []
        } else {
          batch = pending.slice(0, opts.maxBatch)
          pending = pending.slice(opts.maxBatch)
        }
        busy = true
        attempt(batch, 1)
      }

      const schedule = (): void => {
        // Coalesce the items of one synchronous burst into one batch.
        if (!scheduled && !busy) {
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
          if (busy || scheduled) return
          kick()
        },
      })
      return () => {
        clearTimeout(retryTimer)
        sub.unsubscribe()
      }
    })
}
