/**
 * `inBursts`: an RxJS operator that hands the items of one burst to `each`
 * together, and emits what it returns for them, one output per item, in
 * arrival order. A burst is everything that arrives in one turn of the event
 * loop: it is handed over by a setImmediate scheduled at its first item, so
 * it takes in the items of every socket read of the same poll phase and the
 * microtasks they start.
 *
 * The engine steps its session actors this way: inputs of one client that
 * arrive together are decided in one actor step (SessionActors.stepAll)
 * instead of one step each, and the batches after it grow accordingly. An
 * item waits at most until the end of the loop turn it arrived in.
 *
 * Why a loop turn and not a microtask: a broker reads each client's socket in
 * a callback of its own, so within a microtask one client's burst is a few
 * inputs at most. On the end-to-end Aedes run with an offline session (every
 * message queued for it, so all of them go to one actor), a turn gave
 * 1.42x-1.59x the messages per second of a microtask, and a quarter less CPU
 * per message, in three back-to-back pairs (bench/README.md).
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
      let scheduled: ReturnType<typeof setImmediate> | null = null

      const flush = (): void => {
        if (scheduled !== null) clearImmediate(scheduled)
        scheduled = null
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
          scheduled ??= setImmediate(flush)
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          flush()
          subscriber.complete()
        },
      })
      return () => {
        if (scheduled !== null) clearImmediate(scheduled)
        sub.unsubscribe()
      }
    })
}
