/**
 * Replay speed: a log of N domain events (connects, subscriptions, retained
 * and stored publishes, disconnects) applied to an empty redis-server with
 * the same code `mqtt-redis replay` uses. Usage: npm run bench:replay [-- --events N]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import type { DomainEvent } from '../src/events/domain.js'
import { openEventLog } from '../src/log/event-log.js'
import { readEventLogChunks } from '../src/log/reader.js'
import { startEmbeddedRedis } from '../src/redis/embedded.js'
import { createKeys } from '../src/redis/keys.js'
import { applyLog } from '../src/replay/apply-log.js'

const arg = process.argv.indexOf('--events')
const N = arg > 0 ? Number(process.argv[arg + 1]) : 1_000_000
const batchArg = process.argv.indexOf('--batch')
const batch = batchArg > 0 ? Number(process.argv[batchArg + 1]) : undefined

function eventAt(i: number, at: number): DomainEvent {
  const clientId = `dev-${i % 10_000}`
  const meta = { clientId, node: 'bench', seq: Math.floor(i / 10_000) + 1, at }
  switch (i % 5) {
    case 0:
      return { type: 'ClientConnected', data: { connectionId: `k${i}`, username: null, cleanStart: true, protocolVersion: 4 }, meta }
    case 1:
      return { type: 'SubscriptionAdded', data: { filter: `cmd/${clientId}`, qos: 1, options: { nl: false, rap: false, rh: 0 }, fetch: true, pubsubStart: null }, meta }
    case 2:
      return { type: 'RetainedMessageSet', data: { msgId: `r${i}`, topic: `state/${clientId}`, qos: 1, payload: Buffer.from('{"temp":21.5}') }, meta }
    case 3:
      return { type: 'MessageStored', data: { msgId: `m${i}`, topic: `pubsub/${i % 100}`, qos: 1, payload: Buffer.from('{"temp":21.5}'), retain: false, mode: 'pubsub', expiresAt: at + 7_200_000 }, meta }
    default:
      return { type: 'ClientDisconnected', data: { connectionId: `k${i - 4}`, reason: 'normal', heldQueue: false }, meta }
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-redis-bench-replay-'))
  const server = await startEmbeddedRedis()
  try {
    const log = await openEventLog({ dir, durability: { mode: 'never' } })
    const at = Date.now()
    for (let i = 0; i < N; i += 1000) {
      const batch: DomainEvent[] = []
      for (let j = i; j < Math.min(N, i + 1000); j++) batch.push(eventAt(j, at + j))
      await log.append(batch)
    }
    await log.close()
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
