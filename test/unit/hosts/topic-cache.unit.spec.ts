import { describe, expect, it } from 'vitest'
import { TopicCache } from '../../../src/hosts/aedes/topic-cache.js'

describe('TopicCache', () => {
  it('keeps an answer only if nothing was invalidated since its read began', () => {
    const c = new TopicCache<string>(100)
    const before = c.epoch
    c.invalidate()
    c.set('a', 'stale', before)
    expect(c.get('a')).toBeUndefined()
    c.set('a', 'fresh', c.epoch)
    expect(c.get('a')).toBe('fresh')
    c.invalidate()
    expect(c.get('a')).toBeUndefined()
    expect([c.size, c.weight]).toEqual([0, 0])
  })

  it('bounds the answers total weight, dropping the least recently used topics', () => {
    const c = new TopicCache<string>(100)
    c.set('a', 'A', c.epoch, 10)
    c.set('b', 'B', c.epoch, 10)
    expect(c.get('a')).toBe('A') // a is now the most recently used
    for (let i = 0; i < 8; i++) c.set(`t${i}`, 'T', c.epoch, 10)
    expect(c.weight).toBe(100)
    c.set('c', 'C', c.epoch, 5)
    expect(c.get('b')).toBeUndefined() // the oldest went
    expect(c.get('a')).toBe('A')
    expect(c.weight).toBe(95)
    expect(c.get('c')).toBe('C')
  })

  it('an empty answer weighs 1, so the number of topics is bounded too', () => {
    const c = new TopicCache<string[]>(20)
    for (let i = 0; i < 50; i++) c.set(`t${i}`, [], c.epoch, 0)
    expect(c.size).toBe(20)
    expect(c.get('t49')).toEqual([])
    expect(c.get('t0')).toBeUndefined()
  })

  it('does not keep an answer heavier than a tenth of the capacity, nor anything with capacity 0', () => {
    const c = new TopicCache<string>(100)
    c.set('big', 'B', c.epoch, 11)
    expect(c.get('big')).toBeUndefined()
    c.set('ok', 'O', c.epoch, 10)
    expect(c.get('ok')).toBe('O')
    const none = new TopicCache<string>(0)
    none.set('a', 'A', none.epoch)
    expect(none.get('a')).toBeUndefined()
  })

  it('replacing a topic counts its new weight only', () => {
    const c = new TopicCache<string>(100)
    c.set('a', 'A1', c.epoch, 7)
    c.set('a', 'A2', c.epoch, 3)
    expect([c.get('a'), c.weight, c.size]).toEqual(['A2', 3, 1])
  })
})
