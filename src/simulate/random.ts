/**
 * A small seeded random source (mulberry32), so a simulation run with the
 * same --seed makes the same choices in the same order. Not for anything
 * that needs unpredictability.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number
  /** A float in [min, max), rounded to `decimals`. */
  float(min: number, max: number, decimals: number): number
}

export function createRandom(seed: number): Random {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    float: (min, max, decimals) => {
      const f = 10 ** decimals
      // Floor, not round: the result stays below `max`.
      return Math.floor((min + next() * (max - min)) * f) / f
    },
  }
}

/**
 * The seed of one simulated client's own random source: each client draws
 * from its own stream, so what device 3 does does not depend on how many
 * ticks device 2 managed to run.
 *
 * @example
 * createRandom(deriveSeed(1, 'device', 3))
 */
export function deriveSeed(seed: number, role: string, index: number): number {
  // FNV-1a over the parts: distinct, stable seeds for (seed, role, index).
  let h = 0x811c9dc5
  for (const ch of `${seed}:${role}:${index}`) {
    h ^= ch.charCodeAt(0)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}
