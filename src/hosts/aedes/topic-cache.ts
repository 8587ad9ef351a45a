/**
 * A bounded cache of answers per topic (the Aedes persistence keeps
 * subscriptionsByTopic's answers here), invalidated all at once.
 *
 * Every invalidation starts a new epoch. An answer read from Redis is kept
 * only if no invalidation happened while it was being read (`set` takes the
 * epoch the read started in), so a read that raced with a subscription
 * change can never be kept.
 *
 * The bound is on the answers' total size, not on the number of topics: an
 * answer weighs what its caller says (the number of subscriptions in it, at
 * least 1), the least recently used answers go while the total is over
 * `capacity`, and an answer heavier than a tenth of it is not kept at all
 * (a filter shared by many sessions must not fill memory once per topic).
 */
interface Entry<V> {
  readonly value: V
  readonly weight: number
}

export class TopicCache<V> {
  private epochNow = 0
  private readonly entries = new Map<string, Entry<V>>()
  private total = 0

  constructor(readonly capacity: number) {}

  /** The current epoch: pass it to `set` with an answer read from now on. */
  get epoch(): number {
    return this.epochNow
  }

  /** Topics kept. */
  get size(): number {
    return this.entries.size
  }

  /** The answers' total weight. */
  get weight(): number {
    return this.total
  }

  get(topic: string): V | undefined {
    const e = this.entries.get(topic)
    if (e === undefined) return undefined
    // Most recently used last: a Map iterates in insertion order.
    this.entries.delete(topic)
    this.entries.set(topic, e)
    return e.value
  }

  /** Keep `value` for `topic`, unless the cache was invalidated since `epoch` or the answer is too heavy to keep. */
  set(topic: string, value: V, epoch: number, weight = 1): void {
    const w = Math.max(1, weight)
    if (epoch !== this.epochNow || w > this.capacity / 10) return
    this.drop(topic)
    this.entries.set(topic, { value, weight: w })
    this.total += w
    for (const oldest of this.entries.keys()) {
      if (this.total <= this.capacity) break
      this.drop(oldest)
    }
  }

  invalidate(): void {
    this.epochNow++
    this.entries.clear()
    this.total = 0
  }

  private drop(topic: string): void {
    const e = this.entries.get(topic)
    if (e === undefined) return
    this.entries.delete(topic)
    this.total -= e.weight
  }
}
