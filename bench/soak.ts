/**
 * Soak: `mqtt-redis serve` under many real MQTT connections on loopback.
 *
 *   npm run build && npm run soak -- [--connections 10000] [--duration 60] [--rate 2000]
 *     [--shared-every 5] [--workers 2] [--batch 200] [--payload 64] [--report 5]
 *     [--max-inflight 20000] [--drain 30] [--no-settle] [--json FILE]
 *
 * Starts its own redis-server (a free port, never 6379) and serve (a child
 * process, --http 0, a temporary --data), connects the connections in
 * batches from worker threads, publishes QoS 1 for --duration seconds,
 * prints a line every --report seconds and a summary, and exits 0 when
 * every connection came up and nothing acknowledged was lost or duplicated.
 * Ctrl-C stops it early (it still reports and cleans up).
 */
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { formatSample, formatSummary } from './soak/format.js'
import { DEFAULT_SOAK, runSoak, type SoakOptions } from './soak/run.js'

function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string' },
      duration: { type: 'string' },
      rate: { type: 'string' },
      'shared-every': { type: 'string' },
      workers: { type: 'string' },
      batch: { type: 'string' },
      payload: { type: 'string' },
      report: { type: 'string' },
      'max-inflight': { type: 'string' },
      drain: { type: 'string' },
      json: { type: 'string' },
      'no-settle': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log('usage: npm run soak -- [--connections N] [--duration S] [--rate MSGS_PER_S] [--shared-every S] [--workers N] [--batch N] [--payload BYTES] [--report S] [--max-inflight N] [--drain S] [--no-settle] [--json FILE]')
    return Promise.resolve()
  }
  const num = (name: string, v: string | undefined, fallback: number, min: number): number => {
    if (v === undefined) return fallback
    const x = Number(v)
    if (!Number.isFinite(x) || x < min) throw new Error(`--${name} must be a number >= ${min}, got ${v}`)
    return x
  }
  const d = DEFAULT_SOAK
  const opts: SoakOptions = {
    ...d,
    connections: Math.floor(num('connections', values.connections, d.connections, 1)),
    durationSec: num('duration', values.duration, d.durationSec, 1),
    rate: num('rate', values.rate, d.rate, 0),
    sharedEverySec: num('shared-every', values['shared-every'], d.sharedEverySec, 0),
    workers: Math.floor(num('workers', values.workers, d.workers, 1)),
    batch: Math.floor(num('batch', values.batch, d.batch, 1)),
    payloadBytes: Math.floor(num('payload', values.payload, d.payloadBytes, 0)),
    reportEverySec: num('report', values.report, d.reportEverySec, 0.5),
    maxInflight: Math.floor(num('max-inflight', values['max-inflight'], d.maxInflight, 1)),
    drainSec: num('drain', values.drain, d.drainSec, 0),
    settle: values['no-settle'] !== true,
  }
  const stop = new AbortController()
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stop.signal.aborted) process.exit(130) // a second Ctrl-C: the exit handlers kill the children
    console.log(`${sig}: stopping (ending connections, serve and redis; Ctrl-C again to quit now)`)
    stop.abort(`stopped by ${sig}`)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  console.log(
    `soak: ${opts.connections} connections, ${opts.durationSec} s at ${opts.rate} msgs/s QoS 1` +
      `${opts.sharedEverySec > 0 ? ` + one shared message every ${opts.sharedEverySec} s` : ''}, ${opts.workers} worker threads, ${opts.payloadBytes}-byte payloads (load average ${loadavg().map((x) => x.toFixed(2)).join(' ')})`,
  )
  return runSoak(opts, {
    signal: stop.signal,
    onLog: (l) => console.log(l),
    onSample: (s) => console.log(formatSample(s, opts.connections)),
  }).then((r) => {
    for (const l of formatSummary(r)) console.log(l)
    if (values.json) writeFileSync(values.json, JSON.stringify(r, null, 2))
    const ok = !r.aborted && r.lost === 0 && r.duplicates === 0 && r.connections.up === r.connections.requested && r.connections.dropped === 0
    process.exitCode = ok ? 0 : 1
  })
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err))
  process.exitCode = 1
})
