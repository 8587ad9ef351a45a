/**
 * A first benchmark: connect/subscribe/disconnect events into Redis through
 * the engine, beside a plain ioredis pipeline of the very same writes, in
 * one run against one embedded redis-server. Ratios, not absolute timings,
 * are what to compare. Usage: npm run bench [-- --events N]
 */
import { Redis } from 'ioredis'
import { project } from '../projections/index.js'
import { createEngine } from '../src/engine/engine.js'
import type { DomainEvent } from '../src/events/domain.js'
import { queueWrite } from '../src/redis/apply.js'
import { startEmbeddedRedis } from '../src/redis/embedded.js'
import { createKeys } from '../src/redis/keys.js'
import { createLogger } from '../src/util/logger.js'

const arg = process.argv.indexOf('--events')
const N = arg > 0 ? Number(process.argv[arg + 1]) : 200_000
const CLIENTS = 10_000

function inputs(): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = []
  for (let i = 0; out.length < N; i++) {
    const clientId = `c${i % CLIENTS}`
    const round = Math.floor(i / CLIENTS)
    const step = round % 3
    if (step === 0) out.push({ type: 'mqtt.connect', clientId, connectionId: `k${round}`, cleanStart: true })
    else if (step === 1) out.push({ type: 'mqtt.subscribe', clientId, filter: `dev/${clientId}/cmd`, qos: 1 })
    else out.push({ type: 'mqtt.disconnect', clientId, connectionId: `k${round - 2}`, reason: 'normal' })
  }
  return out
}

async function main(): Promise<void> {
  const redisServer = await startEmbeddedRedis()
  const logger = createLogger({ level: 'silent' })
  const work = inputs()

  // (d) the engine, end to end: submit -> actor -> projection -> Redis.
  const engine = createEngine({ redis: redisServer.url, prefix: 'bench-engine:', node: 'b', logger })
  const events: DomainEvent[] = []
  const t0 = process.hrtime.bigint()
  const all = work.map((w) => engine.submit(w))
  const results = await Promise.all(all)
  const engineMs = Number(process.hrtime.bigint() - t0) / 1e6
  for (const r of results) if (r._tag === 'Right') events.push(...r.right.events)
  await engine.close()

  // (b) a plain ioredis pipeline of the same writes, in batches of 2000.
  const keys = createKeys('bench-ioredis:')
  const writes = events.flatMap((e) => project(e, keys))
  const redis = new Redis(redisServer.url)
  const t1 = process.hrtime.bigint()
  for (let i = 0; i < writes.length; i += 6000) {
    const p = redis.pipeline()
    for (const w of writes.slice(i, i + 6000)) queueWrite(p, w)
    await p.exec()
  }
  const ioredisMs = Number(process.hrtime.bigint() - t1) / 1e6
  redis.disconnect()
  await redisServer.stop()

  const rate = (ms: number) => Math.round((events.length / ms) * 1000)
  console.log(`events: ${work.length} inputs -> ${events.length} domain events -> ${writes.length} redis commands`)
  console.log('| path | events/s | ratio to ioredis |')
  console.log('|---|---|---|')
  console.log(`| plain ioredis pipeline (same writes) | ${rate(ioredisMs)} | 1.00 |`)
  console.log(`| engine, end to end | ${rate(engineMs)} | ${(ioredisMs / engineMs).toFixed(2)} |`)
}

await main()
