/**
 * Growth: publish-qos1, connect-churn and retained at 1k, 10k and 100k
 * clients (topics fixed) and at 10, 1k and 100k topics (clients fixed),
 * every contender; a table and an SVG chart of ops/s against size.
 * connect-churn touches no topic, so it has no topics line.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { growthSvg, type Series } from './chart.js'
import type { BenchContext } from './contenders.js'
import type { ContenderName } from './measure.js'
import { retained } from './read-scenarios.js'
import { table, tidyScenario } from './report.js'
import type { ScenarioResult } from './scenario.js'
import { connectChurn, publishQos1 } from './write-scenarios.js'

export const GROWTH_SCENARIOS = ['publish-qos1', 'connect-churn', 'retained'] as const
export const CLIENT_SIZES = [1_000, 10_000, 100_000]
export const TOPIC_SIZES = [10, 1_000, 100_000]

export interface GrowthOptions {
  /** Ops per point, raised where the size needs more (every client or topic used at least once). */
  readonly ops: number
  readonly lookups: number
  /** Clients while topics vary, topics while clients vary. */
  readonly fixedClients: number
  readonly fixedTopics: number
  readonly clientSizes: readonly number[]
  readonly topicSizes: readonly number[]
  readonly include: ReadonlySet<ContenderName>
  readonly chart: string
  readonly scenarios: ReadonlySet<string>
}

export interface GrowthPoint {
  readonly scenario: string
  readonly dimension: 'clients' | 'topics'
  readonly size: number
  readonly result: ScenarioResult
}

async function point(ctx: BenchContext, scenario: string, clients: number, topics: number, o: GrowthOptions): Promise<ScenarioResult> {
  switch (scenario) {
    case 'publish-qos1':
      return publishQos1(ctx, { ops: Math.max(o.ops, clients, topics), clients, topics }, o.include)
    case 'connect-churn':
      return connectChurn(ctx, { ops: o.ops, clients, topics }, o.include)
    default:
      return retained(ctx, { ops: o.ops, clients, topics, lookups: o.lookups }, o.include)
  }
}

export async function runGrowth(ctx: BenchContext, o: GrowthOptions): Promise<GrowthPoint[]> {
  const points: GrowthPoint[] = []
  for (const scenario of GROWTH_SCENARIOS) {
    if (!o.scenarios.has(scenario)) continue
    for (const size of o.clientSizes) {
      ctx.say(`growth: ${scenario}, ${size} clients, ${o.fixedTopics} topics`)
      points.push({ scenario, dimension: 'clients', size, result: tidyScenario(await point(ctx, scenario, size, o.fixedTopics, o)) })
    }
    if (scenario === 'connect-churn') continue
    for (const size of o.topicSizes) {
      ctx.say(`growth: ${scenario}, ${o.fixedClients} clients, ${size} topics`)
      points.push({ scenario, dimension: 'topics', size, result: tidyScenario(await point(ctx, scenario, o.fixedClients, size, o)) })
    }
  }
  return points
}

const ORDER: readonly ContenderName[] = ['limit', 'ioredis', 'peer', 'engine']

export function growthTable(points: readonly GrowthPoint[]): string {
  const int = (n: number | undefined): string => (n === undefined ? '-' : Math.round(n).toLocaleString('en-US'))
  return table(
    ['scenario', 'varies', 'clients', 'topics', 'ops', ...ORDER.map((c) => `${c} ops/s`), 'engine/limit', 'engine/peer', 'engine p99 ms'],
    points.map((p) => {
      const r = p.result.results
      const e = r.engine.opsPerSec
      return [
        p.scenario,
        p.dimension,
        int(Number(p.result.params['clients'])),
        p.result.params['topics'] === undefined ? '-' : int(Number(p.result.params['topics'])),
        int(r.engine.ops),
        ...ORDER.map((c) => int(r[c]?.opsPerSec)),
        `${(e / r.limit.opsPerSec).toFixed(2)}x`,
        r.peer ? `${(e / r.peer.opsPerSec).toFixed(2)}x` : '-',
        r.engine.p99Ms.toFixed(1),
      ]
    }),
  )
}

export function writeGrowthChart(file: string, points: readonly GrowthPoint[], subtitle: string): void {
  const series: Series[] = []
  for (const dimension of ['clients', 'topics'] as const) {
    for (const scenario of GROWTH_SCENARIOS) {
      const ps = points.filter((p) => p.dimension === dimension && p.scenario === scenario).sort((a, b) => a.size - b.size)
      if (ps.length === 0) continue
      for (const contender of ORDER) {
        const pts = ps.flatMap((p): Array<[number, number]> => {
          const r = p.result.results[contender]
          return r ? [[p.size, r.opsPerSec]] : []
        })
        if (pts.length > 0) series.push({ contender, scenario, dimension, points: pts })
      }
    }
  }
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, growthSvg('mqtt-redis bench --growth: ops/s against work size', subtitle, ['clients', 'topics'], series))
}
