/**
 * A run of simulated devices and subscribers against one broker, as the
 * device simulator of EMQX's "MQTT to Redis" statistics demo does: telemetry
 * every interval, and now and then a dropped message, a retained status, a
 * refused publish or a bad disconnect; plus persistent subscribers that go
 * away and come back.
 */
import { Device, Subscriber, type ClientSettings } from './clients.js'
import { emptyCounters, summaryLine, type Counters, type Presence } from './stats.js'

export interface SimulateOptions extends ClientSettings {
  /** Number of devices (`sim-0` ... `sim-<n-1>`). */
  readonly clients: number
  /** Number of persistent subscribers (`sim-sub-0` ...). */
  readonly subscribers: number
  /** Milliseconds between two ticks of one device. */
  readonly intervalMs: number
  /** Stop after this many seconds; absent: run until `signal` aborts. */
  readonly durationSec?: number
  /** Seconds between two summary lines. */
  readonly reportSec: number
}

export interface SimulateResult {
  readonly counters: Counters
  readonly elapsedSec: number
}

/**
 * Run until `durationSec` has passed or `signal` aborts, printing a summary
 * line every `reportSec` and a last one when every client has ended.
 *
 * @example
 * const ac = new AbortController()
 * await runSimulation({ url: 'mqtt://127.0.0.1:1883', clients: 10, subscribers: 2, intervalMs: 1000, seed: 1, reportSec: 5, mqttVersion: 4, reconnectMs: 500, statusExpirySec: 30 }, ac.signal, console.log)
 */
export async function runSimulation(opts: SimulateOptions, signal: AbortSignal, print: (line: string) => void): Promise<SimulateResult> {
  const counters = emptyCounters()
  const started = Date.now()
  const elapsed = (): number => (Date.now() - started) / 1000
  const devices = Array.from({ length: opts.clients }, (_, i) => new Device(i, opts, counters))
  const subscribers = Array.from({ length: opts.subscribers }, (_, j) => new Subscriber(j, opts, counters))
  const presence = (): Presence => ({
    devicesOnline: devices.filter((d) => d.online).length,
    devices: devices.length,
    subscribersOnline: subscribers.filter((s) => s.online).length,
    subscribers: subscribers.length,
  })

  const timers: NodeJS.Timeout[] = []
  for (const s of subscribers) s.start()
  devices.forEach((d, i) => {
    d.start()
    // Spread the devices over one interval, so they do not all publish at once.
    const offset = Math.floor((opts.intervalMs * i) / Math.max(1, devices.length))
    timers.push(setTimeout(() => {
      d.tick()
      timers.push(setInterval(() => d.tick(), opts.intervalMs))
    }, offset))
  })
  timers.push(setInterval(() => print(summaryLine(elapsed(), presence(), counters)), opts.reportSec * 1000))

  await new Promise<void>((resolve) => {
    if (signal.aborted) return resolve()
    signal.addEventListener('abort', () => resolve(), { once: true })
    if (opts.durationSec !== undefined) timers.push(setTimeout(resolve, opts.durationSec * 1000))
  })

  for (const t of timers) clearTimeout(t)
  await Promise.all([...devices.map((d) => d.stop()), ...subscribers.map((s) => s.stop())])
  const result = { counters, elapsedSec: elapsed() }
  print(summaryLine(result.elapsedSec, presence(), counters, 'simulate done'))
  return result
}
