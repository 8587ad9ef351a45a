/**
 * `mqtt-redis simulate`: simulated devices and persistent subscribers
 * against a broker, printing a summary line every few seconds; stops on
 * SIGINT/SIGTERM or after --duration, every client ended.
 */
import { InvalidArgumentError, type Command } from 'commander'
import { runSimulation, type SimulateOptions } from '../simulate/simulator.js'
import { readServeAddress } from './serve-address.js'

export interface SimulateCliOptions {
  readonly url?: string
  readonly data: string
  readonly clients: number
  readonly subscribers: number
  readonly interval: number
  readonly duration?: number
  readonly seed: number
  readonly report: number
  readonly mqttVersion: number
  readonly reconnect: number
  readonly statusExpiry: number
}

export function intOption(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer in ${min}..${max}`)
    return n
  }
}

/** --url, else the serve running from --data (it says where in serve.json), else the MQTT default port. */
export function brokerUrl(o: Pick<SimulateCliOptions, 'url' | 'data'>): string {
  return o.url ?? readServeAddress(o.data)?.mqtt ?? 'mqtt://127.0.0.1:1883'
}

export async function simulate(o: SimulateCliOptions): Promise<void> {
  const opts: SimulateOptions = {
    url: brokerUrl(o),
    clients: o.clients,
    subscribers: o.subscribers,
    intervalMs: o.interval,
    durationSec: o.duration,
    seed: o.seed,
    reportSec: o.report,
    mqttVersion: o.mqttVersion === 5 ? 5 : 4,
    reconnectMs: o.reconnect,
    statusExpirySec: o.statusExpiry,
  }
  const ac = new AbortController()
  const onSignal = (): void => ac.abort()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const out = (line: string): void => void process.stdout.write(line + '\n')
  out(`simulate: ${opts.clients} devices and ${opts.subscribers} subscribers on ${opts.url}, every ${opts.intervalMs} ms, seed ${opts.seed}` +
    (opts.durationSec === undefined ? ', until Ctrl-C' : `, for ${opts.durationSec} s`))
  try {
    await runSimulation(opts, ac.signal, out)
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('simulated devices (telemetry, dropped and refused publishes, bad disconnects) and persistent subscribers against a broker')
    .option('--url <url>', 'broker URL (default: the serve running from --data, else mqtt://127.0.0.1:1883)')
    .option('--data <dir>', 'the data folder of a local serve, to find its port', './data')
    .requiredOption('--clients <n>', 'number of devices (sim-0 ...)', intOption('--clients', 1, 10_000))
    .option('--subscribers <n>', 'number of persistent subscribers (sim-sub-0 ...)', intOption('--subscribers', 0, 1000), 2)
    .option('--interval <ms>', 'milliseconds between two publishes of one device', intOption('--interval', 10, 3_600_000), 1000)
    .option('--duration <s>', 'stop after this many seconds (default: at Ctrl-C)', intOption('--duration', 1, 31_536_000))
    .option('--seed <n>', 'random seed: the same seed makes the same choices', intOption('--seed', 0, 2 ** 32 - 1), 1)
    .option('--report <s>', 'seconds between two summary lines', intOption('--report', 1, 3600), 2)
    .option('--mqtt-version <v>', 'MQTT protocol version: 4 (3.1.1, what Aedes speaks) or 5', intOption('--mqtt-version', 4, 5), 4)
    .option('--reconnect <ms>', 'delay before a client connects again after losing its connection', intOption('--reconnect', 0, 60_000), 500)
    .option('--status-expiry <s>', 'message expiry of the retained status messages (sent with MQTT 5 only)', intOption('--status-expiry', 1, 2 ** 31 - 1), 30)
    .action(async (opts: SimulateCliOptions) => {
      try {
        await simulate(opts)
      } catch (err) {
        process.stderr.write(`mqtt-redis simulate: ${err instanceof Error ? err.message : String(err)}\n`)
        process.exit(1)
      }
    })
}
