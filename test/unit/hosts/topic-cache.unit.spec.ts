import { describe, expect, it } from 'vitest'
import { TopicCache } from '../../../src/hosts/aedes/topic-cache.js'

describe('TopicCache', () => {
  it('keeps an answer only if nothing was invalidated since its read began', () => {
    const c = new TopicCache<string>(10)
    const before = c.epoch
    c.invalidate()
    c.set('a', 'stale', before)
    expect(c.get('a')).toBeUndefined()
    c.set('a', 'fresh', c.epoch)
    expect(c.get('a')).toBe('fresh')
    c.invalidate()
    expect(c.get('a')).toBeUndefined()
    expect(c.size).toBe(0)
  })

  it('holds at most its capacity, dropping the least recently used topic', () => {
    const c = new TopicCache<number>(2)
    c.set('a', 1, c.epoch)
    c.set('b', 2, c.epoch)
    expect(c.get('a')).toBe(1) // a is now the most recently used
    c.set('c', 3, c.epoch)
    expect(c.size).toBe(2)
    expect(c.get('b')).toBeUndefined()
    expect([c.get('a'), c.get('c')]).toEqual([1, 3])
  })

  it('with capacity 0 keeps nothing', () => {
    const c = new TopicCache<number>(0)
    c.set('a', 1, c.epoch)
    expect(c.get('a')).toBeUndefined()
  })
})
