/**
 * Replay speed: a log of N domain events (connects, subscriptions, retained
 * and stored publishes, disconnects) applied to an empty redis-server with
 * the same code `mqtt-redis replay` uses. Usage: npm run bench:replay [-- --events N]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { readEventLogChunks } from '../src/log/reader.js'
import { startEmbeddedRedis } from '../src/redis/embedded.js'
import { createKeys } from '../src/redis/keys.js'
import { applyLog } from '../src/replay/apply-log.js'
import { writeReplayLog } from './suite/replay-log.js'

const arg = process.argv.indexOf('--events')
const N = arg > 0 ? Number(process.argv[arg + 1]) : 1_000_000
const batchArg = process.argv.indexOf('--batch')
const batch = batchArg > 0 ? Number(process.argv[batchArg + 1]) : undefined

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-redis-bench-replay-'))
  const server = await startEmbeddedRedis()
  try {
    await writeReplayLog(dir, N)
    const redis = new Redis(server.url)
    const t0 = process.hrtime.bigint()
    const r = await applyLog(redis, createKeys('mqtt:'), readEventLogChunks(dir), { exclusive: true, ...(batch ? { batch } : {}) })
    const secs = Number(process.hrtime.bigint() - t0) / 1e9
    if (process.argv.includes('--stats')) console.log(await redis.info('commandstats'))
    // The work must be real: every event applied, no command refused, and the
    // keys are there (at least the one hash per stored message, a fifth of the mix).
    const keys = await redis.dbsize()
    const expected = Math.floor(N / 5)
    redis.disconnect()
    console.log(`replay: ${r.applied} events in ${secs.toFixed(2)} s = ${Math.round(r.applied / secs)} events/s (target 200000); ${keys} keys in Redis, ${r.commandErrors} commands refused`)
    if (r.applied !== N || r.commandErrors !== 0 || keys < expected) {
      console.error(`replay bench: expected ${N} events applied with no refused command and at least ${expected} keys`)
      process.exitCode = 1
    }
  } finally {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
