/**
 * `inBursts`: an RxJS operator that hands the items of one synchronous burst
 * (everything that arrives before the next microtask) to `each` together,
 * and emits what it returns for them, one output per item, in arrival order.
 *
 * The engine steps its session actors this way: inputs of one client that
 * arrive together are decided in one actor step (SessionActors.stepAll)
 * instead of one step each. Nothing waits longer than a microtask, and
 * downstream the batches are what they were (group commit coalesces the
 * same burst).
 *
 * Semantics:
 * 1. Order is kept: outputs come in the order the items arrived.
 * 2. `each` returns one output per item; a throw is an error of the stream.
 * 3. On completion, a waiting burst is handled first, then the output completes.
 */
import { Observable, type OperatorFunction } from 'rxjs'

export function inBursts<T, R>(each: (burst: readonly T[]) => readonly R[]): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      let pending: T[] = []
      let scheduled = false

      const flush = (): void => {
        scheduled = false
        if (pending.length === 0) return
        const burst = pending
        pending = []
        let out: readonly R[]
        try {
          out = each(burst)
        } catch (err) {
          subscriber.error(err)
          return
        }
        for (const r of out) subscriber.next(r)
      }

      const sub = source.subscribe({
        next: (item) => {
          pending.push(item)
          if (!scheduled) {
            scheduled = true
            queueMicrotask(flush)
          }
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          flush()
          subscriber.complete()
        },
      })
      return () => sub.unsubscribe()
    })
}
