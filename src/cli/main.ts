#!/usr/bin/env -S node --max-semi-space-size=64
/**
 * The `mqtt-redis` command line.
 */
import { Command, InvalidArgumentError } from 'commander'
import { createLogger } from '../util/logger.js'
import type { Durability } from '../log/event-log.js'
import { registerBench } from './bench.js'
import { printLog } from './log-command.js'
import { replay, type ReplayOptions } from './replay.js'
import { serve, type ServeOptions } from './serve.js'
import { registerSimulate } from './simulate.js'
import { registerInspect } from './inspect.js'

function int(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer in ${min}..${max}`)
    return n
  }
}

function durability(v: string): Durability {
  if (v === 'batch' || v === 'never') return { mode: v }
  const m = /^interval:(\d+)$/.exec(v)
  if (m) return { mode: 'interval', everyMs: Number(m[1]) }
  throw new InvalidArgumentError('--durability must be batch, never or interval:<ms>')
}

function date(name: string) {
  return (v: string): number => {
    const t = Date.parse(v)
    if (Number.isNaN(t)) throw new InvalidArgumentError(`${name} must be a date/time, e.g. 2026-11-22T10:00:00Z`)
    return t
  }
}

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v]
}

function pubsubStart(v: string): 'latest' | 'oldest' {
  if (v !== 'latest' && v !== 'oldest') throw new InvalidArgumentError('--pubsub-start must be latest or oldest')
  return v
}

const program = new Command()
program.name('mqtt-redis').description('Persist MQTT broker state into Redis, in the key layout of EMQX\'s Redis backend.')

program
  .command('serve')
  .description('run an MQTT broker (Aedes) whose state the engine keeps in Redis')
  .option('-p, --port <port>', 'MQTT TCP port (default 1883; if it is taken and no --port is given, a free port)', int('--port', 0, 65535))
  .option('--host <address>', 'address to listen on (default: all)')
  .option('--redis <url>', 'Redis URL (default: REDIS_URL, else an embedded redis-server)')
  .option('--data <dir>', 'data directory (the embedded redis-server keeps its files in <dir>/redis)', './data')
  .option('--node <name>', 'this node\'s name (default: the hostname)')
  .option('--prefix <prefix>', 'key prefix', 'mqtt:')
  .option('--max-payload <bytes>', 'largest payload the engine stores', int('--max-payload', 0, 268435455), 1024 * 1024)
  .option('--expired-time <seconds>', 'how long stored offline messages live (EMQX expired_time)', int('--expired-time', 1, 2 ** 31), 7200)
  .option('--pubsub-start <where>', 'where a first pubsub subscription starts: latest or oldest', pubsubStart, 'latest' as const)
  .option('--log-dir <dir>', 'event log directory (default: <data>/events)')
  .option('--no-log', 'keep no event log (Redis is then the only copy)')
  .option('--durability <mode>', 'event log fsync: batch (every batch), interval:<ms>, or never', durability, { mode: 'batch' } as Durability)
  .option('--config <file>', 'EMQX emqx_backend_redis.conf or JSON: pools, hook rules, command templates, expired_time (default: EMQX\'s default hook set)')
  .option('--http <port>', 'dashboard and Prometheus /metrics port (default 8080, or a free port if it is taken and no --http is given); 0 turns it off', int('--http', 0, 65535))
  .action(async (opts: ServeOptions) => {
    const logger = createLogger({ pretty: process.stdout.isTTY === true })
    // Signals are handled from the start: one that arrives while serve is still
    // starting stops it as soon as it is up, never kills it half-way.
    let early: string | null = null
    let giveUp: NodeJS.Timeout | null = null
    const onEarlySignal = (signal: string): void => {
      // A second signal, or a startup still stuck 20 s after the first (Redis never answering),
      // stops the process at once: nothing was accepted yet, so nothing is lost.
      if (early !== null) process.exit(1)
      early = signal
      giveUp = setTimeout(() => {
        process.stderr.write(`mqtt-redis: ${signal} while starting, and still not started 20 s later: exiting\n`)
        process.exit(1)
      }, 20_000)
      giveUp.unref()
    }
    process.on('SIGINT', onEarlySignal)
    process.on('SIGTERM', onEarlySignal)
    let running
    try {
      running = await serve(opts, logger)
    } catch (err) {
      // Straight to stderr: the pretty logger writes from a worker and may not flush before exit.
      process.stderr.write(`mqtt-redis: could not start: ${err instanceof Error ? err.message : String(err)}\n`)
      process.exit(process.exitCode && process.exitCode !== 0 ? process.exitCode : 1)
    }
    process.off('SIGINT', onEarlySignal)
    process.off('SIGTERM', onEarlySignal)
    if (giveUp) clearTimeout(giveUp)
    let stopping = false
    const shutdown = (signal: string): void => {
      if (stopping) {
        // A second signal: stop now, whatever is still on its way to Redis.
        logger.warn({ signal, pending: running.pending() }, 'stopping at once')
        process.exit(1)
      }
      stopping = true
      logger.info({ signal }, 'shutting down: flushing accepted events to redis')
      // Redis may be away: do not wait for it forever.
      const slow = setTimeout(() => {
        const pending = running.pending()
        if (running.logged) {
          logger.warn({ pending }, 'redis has not taken the last events in 15 s; they are in the event log and are applied at the next start')
          process.exit(0)
        }
        logger.warn({ pending }, 'redis has not taken the last events in 15 s; without an event log they are lost if you stop now (signal again to stop anyway)')
      }, 15_000)
      slow.unref()
      running.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err: String(err) }, 'shutdown failed')
          process.exit(1)
        },
      )
    }
    process.on('SIGINT', shutdown)
    process.on('SIGTERM', shutdown)
    if (early) shutdown(early)
  })

program
  .command('replay')
  .description('rebuild the Redis projections from event logs (several --log for several nodes)')
  .requiredOption('--log <dir>', 'an event log directory (repeat for several nodes)', collect)
  .requiredOption('--redis <url>', 'Redis to rebuild')
  .option('--flush', 'delete every key under the prefix first', false)
  .option('--from <position>', 'start at this log position (default: after what Redis already has)', int('--from', 1, Number.MAX_SAFE_INTEGER))
  .option('--prefix <prefix>', 'key prefix to write', 'mqtt:')
  .action(async (opts: ReplayOptions) => {
    try {
      await replay(opts)
    } catch (err) {
      process.stderr.write(`mqtt-redis replay: ${err instanceof Error ? err.message : String(err)}\n`)
      process.exit(1)
    }
  })

program
  .command('log')
  .description('print the events of a log as JSON lines')
  .option('--log <dir>', 'event log directory', './data/events')
  .option('--client <clientId>', 'only this client\'s events')
  .option('--type <type>', 'only events of this type (repeatable)', collect)
  .option('--since <time>', 'only events at or after this time', date('--since'))
  .option('--until <time>', 'only events at or before this time', date('--until'))
  .option('-f, --follow', 'keep printing new events', false)
  .action(async (opts: { log: string; client?: string; type?: string[]; since?: number; until?: number; follow: boolean }) => {
    const ac = new AbortController()
    process.once('SIGINT', () => ac.abort())
    try {
      await printLog(opts.log, { clientId: opts.client, types: opts.type, since: opts.since, until: opts.until }, { follow: opts.follow, signal: ac.signal })
    } catch (err) {
      process.stderr.write(`mqtt-redis log: ${err instanceof Error ? err.message : String(err)}\n`)
      process.exit(1)
    }
  })

registerBench(program)

registerSimulate(program)
registerInspect(program)

await program.parseAsync(process.argv)
