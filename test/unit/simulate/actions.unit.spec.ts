import { describe, expect, it } from 'vitest'
import { ACTION_WEIGHTS, BAD_ACTIONS, nextTick, type ExtraAction } from '../../../src/simulate/actions.js'
import { createRandom, deriveSeed, type Random } from '../../../src/simulate/random.js'

const plan = (seed: number, ticks: number): Array<ExtraAction | null> => {
  const r = createRandom(seed)
  return Array.from({ length: ticks }, () => nextTick(r).extra)
}

describe('the seeded random source', () => {
  it('gives the same numbers for the same seed and others for another', () => {
    const a = createRandom(7)
    const b = createRandom(7)
    const c = createRandom(8)
    const xs = Array.from({ length: 50 }, () => a.next())
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(xs)
    expect(Array.from({ length: 50 }, () => c.next())).not.toEqual(xs)
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true)
  })

  it('keeps int and float within their bounds', () => {
    const r = createRandom(3)
    for (let i = 0; i < 10_000; i++) {
      const n = r.int(2, 4)
      expect([2, 3, 4]).toContain(n)
      const f = r.float(0, 50, 2)
      expect(f).toBeGreaterThanOrEqual(0)
      expect(f).toBeLessThan(50)
      expect(String(f)).toMatch(/^\d+(\.\d{1,2})?$/)
    }
  })

  it('derives a different seed for each client and role', () => {
    const seeds = new Set<number>()
    for (let i = 0; i < 1000; i++) {
      seeds.add(deriveSeed(1, 'device', i))
      seeds.add(deriveSeed(1, 'subscriber', i))
    }
    expect(seeds.size).toBe(2000)
    expect(deriveSeed(1, 'device', 0)).toBe(deriveSeed(1, 'device', 0))
    expect(deriveSeed(2, 'device', 0)).not.toBe(deriveSeed(1, 'device', 0))
  })
})

describe('the choice of actions', () => {
  it('is the same plan for the same seed', () => {
    expect(plan(1, 500)).toEqual(plan(1, 500))
    expect(plan(1, 500)).not.toEqual(plan(2, 500))
  })

  it('draws one number per tick, so tick n depends only on the seed and n', () => {
    let draws = 0
    const base = createRandom(5)
    const counting: Random = { next: () => (draws++, base.next()), int: base.int, float: base.float }
    for (let i = 0; i < 1000; i++) nextTick(counting)
    expect(draws).toBe(1000)
  })

  it('chooses each action about as often as its weight says', () => {
    const n = 100_000
    const counts = new Map<ExtraAction | null, number>()
    for (const a of plan(11, n)) counts.set(a, (counts.get(a) ?? 0) + 1)
    let extra = 0
    for (const [a, w] of Object.entries(ACTION_WEIGHTS) as Array<[ExtraAction, number]>) {
      const share = (counts.get(a) ?? 0) / n
      expect(Math.abs(share - w)).toBeLessThan(0.01)
      extra += w
    }
    expect(Math.abs((counts.get(null) ?? 0) / n - (1 - extra))).toBeLessThan(0.01)
  })

  it('maps each part of [0, 1) to its action, telemetry only past the weights', () => {
    const at = (x: number): Random => ({ next: () => x, int: () => 0, float: () => 0 })
    expect(nextTick(at(0)).extra).toBe('pubsub')
    expect(nextTick(at(0.2)).extra).toBe('queue')
    expect(nextTick(at(0.999)).extra).toBeNull()
  })

  it('with seed 1, the five devices of the e2e test misbehave within their first 30 ticks', () => {
    const bad = Array.from({ length: 5 }, (_, i) => {
      const r = createRandom(deriveSeed(1, 'device', i))
      // Each tick draws the plan and then two numbers for the telemetry.
      return Array.from({ length: 30 }, () => {
        const a = nextTick(r).extra
        r.next()
        r.next()
        return a
      }).filter((a) => a !== null && BAD_ACTIONS.has(a)).length
    })
    expect(bad.reduce((s, n) => s + n, 0)).toBeGreaterThan(0)
  })
})
