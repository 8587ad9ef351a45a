/**
 * A scenario's result, and the usual way to get one: every contender in
 * turn on an empty Redis (FLUSHALL before each), measured.
 */
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import type { BenchContext } from './contenders.js'
import { CONTENDERS, measure, type ContenderName, type ContenderResult, type Prepared } from './measure.js'

export interface ScenarioResult {
  readonly name: string
  /** What was run: counts, sizes. */
  readonly params: Readonly<Record<string, number | string>>
  readonly results: { limit: ContenderResult; ioredis: ContenderResult; peer?: ContenderResult; engine: ContenderResult }
  /** What the contenders do, in words, for the printed table. */
  readonly notes: readonly string[]
}

export type ContenderSet = Partial<Record<ContenderName, () => Promise<Prepared>>>

let gcFn: (() => void) | null | undefined
/** A full GC between contenders, so one's garbage does not count in the next one's RSS. */
export function collectGarbage(): void {
  if (gcFn === undefined) {
    try {
      setFlagsFromString('--expose-gc')
      gcFn = runInNewContext('gc') as () => void
    } catch {
      gcFn = null
    }
  }
  gcFn?.()
}

export async function flushAll(ctx: BenchContext): Promise<void> {
  await ctx.admin.flushall()
}

/** Measure each contender of `set` (those in `include`), by default in the order limit, ioredis, peer, engine, FLUSHALL before each. */
export async function runEach(
  ctx: BenchContext,
  name: string,
  set: ContenderSet,
  include: ReadonlySet<ContenderName>,
  order: readonly ContenderName[] = CONTENDERS,
): Promise<Partial<Record<ContenderName, ContenderResult>>> {
  const out: Partial<Record<ContenderName, ContenderResult>> = {}
  for (const c of order) {
    const prepare = set[c]
    if (!prepare || !include.has(c)) continue
    await flushAll(ctx)
    collectGarbage()
    const r = await measure(ctx.admin, prepare)
    ctx.say(`  ${name} ${c}: ${Math.round(r.opsPerSec).toLocaleString('en-US')} ops/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ${r.errors} errors, ${r.keys} keys`)
    out[c] = r
  }
  await flushAll(ctx)
  return out
}

/** The result record; limit, ioredis and engine must have run. */
export function scenarioResult(
  name: string,
  params: Readonly<Record<string, number | string>>,
  r: Partial<Record<ContenderName, ContenderResult>>,
  notes: readonly string[],
): ScenarioResult {
  const { limit, ioredis, peer, engine } = r
  if (!limit || !ioredis || !engine) throw new Error(`${name}: limit, ioredis and engine must all run`)
  return { name, params, results: { limit, ioredis, ...(peer ? { peer } : {}), engine }, notes }
}
