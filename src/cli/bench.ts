/**
 * `mqtt-redis bench`: the benchmark suite (bench/suite/run-suite.ts and
 * bench/README.md). The suite lives outside src/ and uses devDependencies
 * (aedes-persistence-redis), so it is loaded only when the command runs.
 */
import { InvalidArgumentError, type Command } from 'commander'

interface BenchCliOptions {
  readonly quick: boolean
  readonly json?: string
  readonly growth: boolean
  readonly chart: string
  readonly only?: string
  readonly peer: boolean
  readonly batch: number
  readonly window: number
  readonly events?: number
}

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`)
    return n
  }
}

const list = (v: string | undefined): string[] | undefined => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter((s) => s.length > 0))

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('benchmark the engine beside raw RESP, an ioredis pipeline and aedes-persistence-redis, on a redis-server it starts itself')
    .option('--quick', 'small counts (under a minute)', false)
    .option('--json <file>', 'also write the results to this JSON file')
    .option('--growth', 'instead: publish-qos1, connect-churn and retained at 1k/10k/100k clients and 10/1k/100k topics, with an SVG chart', false)
    .option('--chart <file>', 'where --growth writes its chart', 'bench/growth.svg')
    .option('--only <scenarios>', 'comma-separated: publish-qos1, connect-churn, subscribe-churn, retained, pubsub-fetch, replay')
    .option('--no-peer', 'leave out aedes-persistence-redis')
    .option('--batch <ops>', 'ops per pipelined batch (limit, ioredis)', positiveInt('--batch'), 500)
    .option('--window <batches>', 'pipelined batches in flight; the engine and the peer get batch * window ops in flight', positiveInt('--window'), 4)
    .option('--events <n>', 'replay log size (default 1,000,000; 100,000 with --quick)', positiveInt('--events'))
    .action(async (opts: BenchCliOptions) => {
      try {
        const { runBench } = await import('../../bench/suite/run-suite.js')
        await runBench({
          quick: opts.quick,
          json: opts.json,
          growth: opts.growth,
          chart: opts.chart,
          only: list(opts.only),
          contenders: opts.peer ? undefined : ['limit', 'ioredis', 'engine'],
          batch: opts.batch,
          window: opts.window,
          events: opts.events,
        })
      } catch (err) {
        process.stderr.write(`mqtt-redis bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
        process.exit(1)
      }
    })
}
