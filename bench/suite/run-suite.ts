/**
 * `mqtt-redis bench`: every scenario, four contenders each, against one
 * redis-server the bench starts itself (a free port, never 6379), in one
 * process; tables on stdout, progress on stderr, optionally a JSON file;
 * with `growth`, the growth matrix and its SVG chart instead.
 * Timings are reported, never asserted.
 */
import { Redis } from 'ioredis'
import { cpus, loadavg, totalmem } from 'node:os'
import { freePort, startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded.js'
import { createKeys } from '../../src/redis/keys.js'
import { loadScripts } from '../../src/redis/scripts.js'
import { createLogger } from '../../src/util/logger.js'
import type { BenchContext } from './contenders.js'
import { CLIENT_SIZES, GROWTH_SCENARIOS, growthTable, runGrowth, TOPIC_SIZES, writeGrowthChart } from './growth.js'
import { CONTENDERS, type ContenderName } from './measure.js'
import { pubsubFetch, retained } from './read-scenarios.js'
import { replay } from './replay-scenario.js'
import { checkTargets, scenarioTable, targetsTable, tidyScenario, writeJson } from './report.js'
import type { ScenarioResult } from './scenario.js'
import { connectChurn, publishQos1, subscribeChurn } from './write-scenarios.js'

export const SCENARIOS = ['publish-qos1', 'connect-churn', 'subscribe-churn', 'retained', 'pubsub-fetch', 'replay'] as const

export interface BenchOptions {
  readonly quick: boolean
  readonly json?: string | undefined
  readonly growth: boolean
  readonly chart: string
  /** Scenario names to run (default all). */
  readonly only?: readonly string[] | undefined
  /** Contenders to run (default all); limit, ioredis and engine are needed for a result. */
  readonly contenders?: readonly string[] | undefined
  readonly batch: number
  readonly window: number
  /** Replay log size (default 1,000,000; 100,000 with quick). */
  readonly events?: number | undefined
}

interface Sizes {
  readonly publish: { ops: number; clients: number; topics: number }
  readonly churn: { ops: number; clients: number; topics: number }
  readonly retained: { ops: number; clients: number; topics: number; lookups: number }
  readonly fetch: { backlog: number; fetches: number }
  readonly replay: number
}

const FULL: Sizes = {
  publish: { ops: 100_000, clients: 10_000, topics: 1_000 },
  churn: { ops: 200_000, clients: 10_000, topics: 1 },
  retained: { ops: 50_000, clients: 10_000, topics: 1_000, lookups: 200 },
  fetch: { backlog: 10_000, fetches: 10 },
  replay: 1_000_000,
}

const QUICK: Sizes = {
  publish: { ops: 20_000, clients: 5_000, topics: 1_000 },
  churn: { ops: 20_000, clients: 5_000, topics: 1 },
  retained: { ops: 10_000, clients: 5_000, topics: 1_000, lookups: 30 },
  fetch: { backlog: 10_000, fetches: 3 },
  replay: 100_000,
}

function pick<T extends string>(what: string, all: readonly T[], chosen: readonly string[] | undefined): Set<T> {
  if (!chosen || chosen.length === 0) return new Set(all)
  const bad = chosen.filter((c) => !(all as readonly string[]).includes(c))
  if (bad.length > 0) throw new Error(`unknown ${what}: ${bad.join(', ')} (choose from ${all.join(', ')})`)
  return new Set(all.filter((a) => chosen.includes(a)))
}

async function startRedis(): Promise<EmbeddedRedis> {
  let port = await freePort()
  while (port === 6379) port = await freePort()
  return startEmbeddedRedis({ port })
}

function machine(redisVersion: string): string {
  const cpu = cpus()
  const load = loadavg().map((l) => l.toFixed(2)).join(' ')
  return `${new Date().toISOString()}; ${cpu.length} cores ${cpu[0]?.model ?? '?'}; ${(totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}; redis ${redisVersion}; load average ${load}`
}

export async function runBench(opts: BenchOptions): Promise<void> {
  const scenarios = pick('scenario', SCENARIOS, opts.only)
  const include = pick<ContenderName>('contender', CONTENDERS, opts.contenders)
  const sizes = opts.quick ? QUICK : FULL
  const server = await startRedis()
  const admin = new Redis(server.url)
  const say = (line: string): void => void process.stderr.write(`${line}\n`)
  const ctx: BenchContext = {
    server,
    admin,
    keys: createKeys('mqtt:'),
    batch: opts.batch,
    window: opts.window,
    inflight: opts.batch * opts.window,
    logger: createLogger({ level: 'silent' }),
    say,
  }
  try {
    await loadScripts(admin)
    const redisVersion = /^redis_version:(\S+)/m.exec(await admin.info('server'))?.[1] ?? '?'
    const started = machine(redisVersion)
    console.log(`mqtt-redis bench${opts.quick ? ' --quick' : ''}${opts.growth ? ' --growth' : ''}: ${started}`)
    console.log(`redis-server started by the bench on port ${server.port}; ${ctx.batch} ops per pipelined batch, ${ctx.window} batches in flight; ${ctx.inflight} ops in flight for the engine and the peer`)
    console.log('CPU us/op and CPU %: this process (user + system; % of one core); Redis CPU us/op: redis-server main thread (INFO); peak RSS: this process while the contender ran (what earlier contenders left included); RSS growth: peak minus RSS at its start\n')

    if (opts.growth) {
      const points = await runGrowth(ctx, {
        ops: opts.quick ? 10_000 : 50_000,
        lookups: opts.quick ? 5 : 20,
        fixedClients: 10_000,
        fixedTopics: 1_000,
        clientSizes: opts.quick ? CLIENT_SIZES.slice(0, 2) : CLIENT_SIZES,
        topicSizes: opts.quick ? TOPIC_SIZES.slice(0, 2) : TOPIC_SIZES,
        include,
        chart: opts.chart,
        scenarios: opts.only && opts.only.length > 0 ? new Set(opts.only) : new Set(GROWTH_SCENARIOS),
      })
      console.log('## growth\n')
      console.log(growthTable(points))
      writeGrowthChart(opts.chart, points, `${started}`)
      console.log(`\nchart: ${opts.chart}`)
      console.log(`finished: load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
      if (opts.json) {
        writeJson(opts.json, { machine: started, scenarios: [], growth: points.map((p) => ({ scenario: p.scenario, dimension: p.dimension, size: p.size, ...p.result })) })
        console.log(`json: ${opts.json}`)
      }
      return
    }

    const results: ScenarioResult[] = []
    const run = async (name: (typeof SCENARIOS)[number], f: () => Promise<ScenarioResult>): Promise<void> => {
      if (!scenarios.has(name)) return
      say(`${name}...`)
      const r = tidyScenario(await f())
      results.push(r)
      console.log(`${scenarioTable(r)}\n`)
    }
    await run('publish-qos1', () => publishQos1(ctx, sizes.publish, include))
    await run('connect-churn', () => connectChurn(ctx, sizes.churn, include))
    await run('subscribe-churn', () => subscribeChurn(ctx, sizes.churn, include))
    await run('retained', () => retained(ctx, sizes.retained, include))
    await run('pubsub-fetch', () => pubsubFetch(ctx, sizes.fetch, include))
    await run('replay', () => replay(ctx, opts.events ?? sizes.replay, include))

    console.log('## targets (from the issue; reported, not asserted)\n')
    console.log(targetsTable(checkTargets(results)))
    console.log(`\nfinished: load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
    if (opts.json) {
      writeJson(opts.json, { machine: started, scenarios: results })
      console.log(`json: ${opts.json}`)
    }
  } finally {
    admin.disconnect()
    await server.stop()
  }
}
