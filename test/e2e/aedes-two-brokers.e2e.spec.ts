/**
 * Issue item 5, "several brokers": two Aedes brokers, b1 and b2, each with
 * its own Redis persistence on the same Redis and prefix, routing publishes
 * between them with mqemitter-redis on that Redis, driven by MQTT.js
 * clients.
 *
 * - A persistent session made on one broker gets, exactly once, every QoS 1
 *   message published on the other while it was away, on whichever broker
 *   it comes back to.
 * - A client moving from b1 to b2 keeps its will in Redis, held by b2.
 * - When b1 dies (a child process killed with SIGKILL: no DISCONNECT, no
 *   will published by b1, no clean close of anything), b2 publishes the will
 *   of b1's client through Aedes' takeover of dead brokers' wills
 *   (heartbeats on $SYS/<id>/heartbeat, streamWill of the brokers it no
 *   longer hears); the will of a client that left cleanly, and that of a
 *   client still on b2, are never published.
 */
import { Aedes } from 'aedes'
import { Redis } from 'ioredis'
import mqemitterRedis from 'mqemitter-redis'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { finished } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { aedesPersistence, type RedisPersistence } from '../../src/aedes.js'
import { freePort } from '../../src/redis/embedded.js'
import { createLogger } from '../../src/util/logger.js'
import { useRedis } from '../support/redis.js'
import { eventually } from '../support/serve.js'

const redis = useRedis()
const PREFIX = 'two:'
// Aedes publishes a dead broker's wills once it has not heard from it for
// 3 intervals, checking every 4: with 1 s, at most ~7 s after the death,
// while a live broker's heartbeat may still be late by up to 3 s.
const HEARTBEAT_MS = 1000
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const VITE_NODE = fileURLToPath(new URL('../../node_modules/vite-node/vite-node.mjs', import.meta.url))

interface Broker {
  readonly port: number
  readonly aedes: Aedes
  readonly persistence: RedisPersistence
  close(): Promise<void>
}

/**
 * A connection for mqemitter-redis, which closes its connections with an
 * uncaught QUIT: ioredis sometimes rejects a QUIT with "Connection is
 * closed" when the socket closes before the reply is read
 * (redis/ioredis#2025), and the connection is closed either way.
 */
function emitterConnection(): Redis {
  const conn = new Redis(redis.url)
  const quit = conn.quit.bind(conn)
  return Object.assign(conn, { quit: () => quit().catch(() => 'OK' as const) })
}

async function startBroker(id: string): Promise<Broker> {
  const persistence = aedesPersistence({ redis: redis.url, prefix: PREFIX, sweepIntervalMs: 0, logger: createLogger({ level: 'silent' }) })
  const mq = mqemitterRedis({ subConn: emitterConnection(), pubConn: emitterConnection() })
  const aedes = await Aedes.createBroker({ id, heartbeatInterval: HEARTBEAT_MS, persistence, mq })
  const server = createServer(aedes.handle)
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  let closing: Promise<void> | null = null
  return {
    port,
    aedes,
    persistence,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((r) => server.close(() => r()))
        await new Promise<void>((r) => aedes.close(() => r()))
        await closed
        await persistence.destroy()
      })()
      return closing
    },
  }
}

// b1 as its own process, so that killing it is a real crash. Run from the
// TypeScript source by vite-node, as the test itself is.
const CHILD = `
import { createServer } from 'node:net'
import { createRequire } from 'node:module'
import { Aedes } from ${JSON.stringify(join(ROOT, 'node_modules/aedes/aedes.js'))}
import { aedesPersistence } from ${JSON.stringify(join(ROOT, 'src/aedes.ts'))}
import { createLogger } from ${JSON.stringify(join(ROOT, 'src/util/logger.ts'))}
const mqemitterRedis = createRequire(${JSON.stringify(join(ROOT, 'package.json'))})('mqemitter-redis')
const { id, redis, prefix, port, heartbeatInterval } = JSON.parse(process.env.BROKER_CONFIG)
const persistence = aedesPersistence({ redis, prefix, sweepIntervalMs: 0, logger: createLogger({ level: 'silent' }) })
const aedes = await Aedes.createBroker({ id, heartbeatInterval, persistence, mq: mqemitterRedis({ connectionString: redis }) })
createServer(aedes.handle).listen(port, '127.0.0.1', () => console.log('listening ' + port))
`

const children = new Set<ChildProcess>()
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL')
})
const scratch = mkdtempSync(join(tmpdir(), 'aedes-two-brokers-'))

async function startChildBroker(id: string): Promise<{ port: number; kill(): Promise<void> }> {
  const port = await freePort()
  const script = join(scratch, `${id}.ts`)
  writeFileSync(script, CHILD)
  const config = JSON.stringify({ id, redis: redis.url, prefix: PREFIX, port, heartbeatInterval: HEARTBEAT_MS })
  const child = spawn(process.execPath, [VITE_NODE, '--root', ROOT, script], { cwd: ROOT, env: { ...process.env, BROKER_CONFIG: config }, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  const exited = new Promise<void>((r) => child.once('exit', () => {
    children.delete(child)
    r()
  }))
  let out = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker ${id} did not start in 20 s:\n${out}`)), 20_000)
    const onData = (b: Buffer): void => {
      out += b.toString()
      if (out.includes(`listening ${port}`)) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`broker ${id} exited before listening:\n${out}`))
    })
  })
  return {
    port,
    async kill() {
      child.kill('SIGKILL')
      await exited
    },
  }
}

interface Received { readonly topic: string; readonly payload: string; readonly at: number }
const clients: MqttClient[] = []

/**
 * A client whose `message` listener is attached before it connects, so the
 * queued messages a persistent session gets right after CONNACK are not missed.
 */
async function client(port: number, clientId: string, opts: IClientOptions = {}): Promise<{ c: MqttClient; got: Received[] }> {
  const got: Received[] = []
  const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...opts })
  clients.push(c)
  c.on('message', (topic, payload) => got.push({ topic, payload: payload.toString(), at: Date.now() }))
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve())
    c.once('error', reject)
  })
  return { c, got }
}

function will(topic: string, payload: string): IClientOptions['will'] {
  return { topic, payload: Buffer.from(payload), qos: 1, retain: false }
}

/** Resolves when `on` next hears `from`'s heartbeat: from then on it counts `from` as alive. */
function heartbeatOf(on: Aedes, from: string): Promise<void> {
  return new Promise((resolve) => {
    const heard = (_packet: unknown, done: () => void): void => {
      done()
      on.unsubscribe(`$SYS/${from}/heartbeat`, heard, () => resolve())
    }
    on.subscribe(`$SYS/${from}/heartbeat`, heard, () => undefined)
  })
}

function wills(): Promise<Record<string, string>> {
  return redis.client.hgetall(`${PREFIX}idx:wills`)
}

let b2: Broker

beforeAll(async () => {
  b2 = await startBroker('b2')
})

afterAll(async () => {
  for (const c of clients) c.end(true)
  for (const c of children) c.kill('SIGKILL')
  await b2?.close()
  rmSync(scratch, { recursive: true, force: true })
})

describe('two Aedes brokers on one Redis', () => {
  describe('both running', () => {
    let b1: Broker

    beforeAll(async () => {
      b1 = await startBroker('b1')
    })
    afterAll(async () => {
      await b1?.close()
    })

    it('delivers every QoS 1 message published on either broker to a persistent session exactly once, wherever it reconnects', async () => {
      const numbers = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => String(from + i))
      const publish = async (on: MqttClient, payloads: readonly string[]): Promise<void> => {
        for (const p of payloads) await on.publishAsync(`two/${p}/n`, p, { qos: 1 })
      }
      // Aedes sends PUBACK for QoS 1 before it routes the message: "published
      // while away" is once the broker has queued it.
      const queued = (n: number): Promise<void> => eventually(async () => expect(await redis.client.zcard(`${PREFIX}session:out:keeper`)).toBe(n))
      const pubOn1 = await client(b1.port, 'pub-on-1')
      const pubOn2 = await client(b2.port, 'pub-on-2')
      const seen: Received[] = []

      // Made on b1, then away.
      const first = await client(b1.port, 'keeper', { clean: false })
      await first.c.subscribeAsync('two/+/n', { qos: 1 })
      await first.c.endAsync()

      // Published on b2 while away: queued in Redis by b2 for the session b1 made.
      await publish(pubOn2.c, numbers(1, 10))
      await queued(10)

      // Back on b2: the queue, then what b1 publishes while it is there.
      const second = await client(b2.port, 'keeper', { clean: false })
      await eventually(async () => expect(second.got.map((m) => m.payload).sort()).toEqual(numbers(1, 10).sort()))
      await publish(pubOn1.c, numbers(11, 20))
      await eventually(async () => expect(second.got).toHaveLength(20))
      await second.c.endAsync()
      seen.push(...second.got)

      // Away again, b1 publishes; back on b1.
      await publish(pubOn1.c, numbers(21, 30))
      await queued(10)
      const third = await client(b1.port, 'keeper', { clean: false })
      await eventually(async () => expect(third.got).toHaveLength(10))
      // A last message, published after all the others: once it is in, any duplicate would be too.
      await publish(pubOn2.c, ['31'])
      await eventually(async () => expect(third.got.map((m) => m.payload)).toContain('31'))
      seen.push(...third.got)

      const counts = new Map<string, number>()
      for (const m of seen) counts.set(m.payload, (counts.get(m.payload) ?? 0) + 1)
      expect([...counts.keys()].sort()).toEqual(numbers(1, 31).sort())
      expect([...counts.values()].every((n) => n === 1)).toBe(true)
      expect(seen).toHaveLength(31)
      // All acknowledged: nothing is left queued.
      await eventually(async () => expect(await redis.client.exists(`${PREFIX}session:out:keeper`, `${PREFIX}session:out_packet:keeper`, `${PREFIX}session:out_msgid:keeper`)).toBe(0))

      await third.c.unsubscribeAsync('two/+/n')
      await third.c.endAsync()
      await pubOn1.c.endAsync()
      await pubOn2.c.endAsync()
    })

    it('keeps the will of a client that moved from b1 to b2 in Redis, held by b2', async () => {
      const onB1 = await client(b1.port, 'mover', { will: will('will/mover', 'first') })
      onB1.c.on('error', () => undefined)
      await eventually(async () => expect(await wills()).toEqual({ mover: 'b1' }))
      const delWill = vi.spyOn(b1.persistence, 'delWill')

      // b2 takes the client over; b1 closes the old connection and deletes the will it held.
      const onB2 = await client(b2.port, 'mover', { will: will('will/mover', 'second') })
      await eventually(async () => expect(delWill.mock.calls.some(([c]) => (c as { brokerId?: string }).brokerId === 'b1')).toBe(true))
      await Promise.all(delWill.mock.results.map((r) => r.value as Promise<unknown>))
      delWill.mockRestore()

      expect(await wills()).toEqual({ mover: 'b2' })
      const stored = JSON.parse((await redis.client.get(`${PREFIX}session:will:mover`)) ?? 'null') as { topic?: string; brokerId?: string } | null
      expect(stored?.topic).toBe('will/mover')
      expect(stored?.brokerId).toBe('b2')

      await onB2.c.endAsync()
      await eventually(async () => expect(await wills()).toEqual({}))
    })
  })

  describe('b1 dies', () => {
    it("publishes the will of b1's client from b2, and never the will of a client that left cleanly or is still connected", async () => {
      const watcher = await client(b2.port, 'will-watcher')
      await watcher.c.subscribeAsync('will/#', { qos: 1 })

      const b1 = await startChildBroker('b1')
      // Until b2 has heard b1, b1's wills look orphaned to it.
      await heartbeatOf(b2.aedes, 'b1')

      const dying = await client(b1.port, 'dying', { will: will('will/dying', 'dying is gone') })
      dying.c.on('error', () => undefined)
      const leaving = await client(b1.port, 'leaving', { will: will('will/leaving', 'leaving is gone') })
      const staying = await client(b2.port, 'staying', { will: will('will/staying', 'staying is gone') })
      await eventually(async () => expect(await wills()).toEqual({ dying: 'b1', leaving: 'b1', staying: 'b2' }))

      await leaving.c.endAsync()
      await eventually(async () => expect(await wills()).toEqual({ dying: 'b1', staying: 'b2' }))

      const streamWill = vi.spyOn(b2.persistence, 'streamWill')
      const killedAt = Date.now()
      await b1.kill()
      await eventually(async () => expect(watcher.got.length).toBeGreaterThan(0), 15_000)
      const [taken] = watcher.got
      expect(taken).toMatchObject({ topic: 'will/dying', payload: 'dying is gone' })
      expect(taken?.at).toBeGreaterThanOrEqual(killedAt)
      await eventually(async () => expect(await wills()).toEqual({ staying: 'b2' }))
      expect(await redis.client.exists(`${PREFIX}session:will:dying`, `${PREFIX}session:will:leaving`)).toBe(0)

      // One more check for orphaned wills (every 4 intervals) while staying is connected, to its end.
      const checks = streamWill.mock.calls.length
      await eventually(async () => expect(streamWill.mock.calls.length).toBeGreaterThan(checks), 4 * HEARTBEAT_MS + 3000)
      await finished(streamWill.mock.results[checks]?.value as Readable)
      streamWill.mockRestore()

      await staying.c.endAsync()
      await eventually(async () => expect(await wills()).toEqual({}))
      expect(await redis.client.keys(`${PREFIX}session:will:*`)).toEqual([])

      // Published on b2 after all the rest: once it is in, anything b2 published before is too.
      const marker = await client(b2.port, 'marker')
      await marker.c.publishAsync('will/marker', 'end', { qos: 1 })
      await eventually(async () => expect(watcher.got.map((m) => m.topic)).toContain('will/marker'))
      expect(watcher.got.map((m) => m.topic)).toEqual(['will/dying', 'will/marker'])
      await marker.c.endAsync()
      await watcher.c.endAsync()
      // Every session here was clean or has ended: nothing of them is left, not even of the client whose broker died.
      await eventually(async () => expect(await redis.client.keys(`${PREFIX}*`)).toEqual([]))
    }, 40_000)
  })
})
