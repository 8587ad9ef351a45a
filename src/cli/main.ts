#!/usr/bin/env node
/**
 * The `mqtt-redis` command line.
 */
import { Command, InvalidArgumentError } from 'commander'
import { createLogger } from '../util/logger.js'
import { serve, type ServeOptions } from './serve.js'

function int(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer in ${min}..${max}`)
    return n
  }
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
  .option('-p, --port <port>', 'MQTT TCP port', int('--port', 0, 65535), 1883)
  .option('--host <address>', 'address to listen on (default: all)')
  .option('--redis <url>', 'Redis URL (default: REDIS_URL, else an embedded redis-server)')
  .option('--data <dir>', 'data directory (the embedded redis-server keeps its files in <dir>/redis)', './data')
  .option('--node <name>', 'this node\'s name (default: the hostname)')
  .option('--prefix <prefix>', 'key prefix', 'mqtt:')
  .option('--max-payload <bytes>', 'largest payload the engine stores', int('--max-payload', 0, 268435455), 1024 * 1024)
  .option('--expired-time <seconds>', 'how long stored offline messages live (EMQX expired_time)', int('--expired-time', 1, 2 ** 31), 7200)
  .option('--pubsub-start <where>', 'where a first pubsub subscription starts: latest or oldest', pubsubStart, 'latest' as const)
  .action(async (opts: ServeOptions) => {
    const logger = createLogger({ pretty: process.stdout.isTTY === true })
    let running
    try {
      running = await serve(opts, logger)
    } catch (err) {
      // Straight to stderr: the pretty logger writes from a worker and may not flush before exit.
      process.stderr.write(`mqtt-redis: could not start: ${err instanceof Error ? err.message : String(err)}\n`)
      process.exit(process.exitCode && process.exitCode !== 0 ? process.exitCode : 1)
    }
    const shutdown = (signal: string): void => {
      logger.info({ signal }, 'shutting down: flushing accepted events to redis')
      running.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err: String(err) }, 'shutdown failed')
          process.exit(1)
        },
      )
    }
    process.once('SIGINT', shutdown)
    process.once('SIGTERM', shutdown)
  })

await program.parseAsync(process.argv)
