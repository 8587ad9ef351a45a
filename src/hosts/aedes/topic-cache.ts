/**
 * A bounded cache of answers per topic (the Aedes persistence keeps
 * subscriptionsByTopic's answers here), invalidated all at once.
 *
 * Every invalidation starts a new epoch. An answer read from Redis is kept
 * only if no invalidation happened while it was being read (`set` takes the
 * epoch the read started in), so a read that raced with a subscription
 * change can never be kept. Past `capacity` topics the least recently used
 * one is dropped.
 */
export class TopicCache<V> {
  private epochNow = 0
  private readonly entries = new Map<string, V>()

  constructor(readonly capacity: number) {}

  /** The current epoch: pass it to `set` with an answer read from now on. */
  get epoch(): number {
    return this.epochNow
  }

  get size(): number {
    return this.entries.size
  }

  get(topic: string): V | undefined {
    const v = this.entries.get(topic)
    if (v !== undefined) {
      // Most recently used last: a Map iterates in insertion order.
      this.entries.delete(topic)
      this.entries.set(topic, v)
    }
    return v
  }

  /** Keep `value` for `topic`, unless the cache was invalidated since `epoch`. */
  set(topic: string, value: V, epoch: number): void {
    if (epoch !== this.epochNow || this.capacity <= 0) return
    this.entries.delete(topic)
    this.entries.set(topic, value)
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next()
      if (!oldest.done) this.entries.delete(oldest.value)
    }
  }

  invalidate(): void {
    this.epochNow++
    this.entries.clear()
  }
}
