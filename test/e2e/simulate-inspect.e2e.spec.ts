/**
 * `mqtt-redis simulate` against `serve --config examples/statistics.conf`,
 * then `mqtt-redis inspect` compared with what the keys hold: the simulator
 * ends every client and exits 0, the statistics hashes fill, and inspect
 * reports what plain Redis reads find.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readEventLog, type LogRecord } from '../../src/log/reader.js'
import { useRedis } from '../support/redis.js'
import { CLI, eventually, run, startServe, type Served } from '../support/serve.js'

const STATISTICS = fileURLToPath(new URL('../../examples/statistics.conf', import.meta.url))
const DEVICES = ['sim-0', 'sim-1', 'sim-2', 'sim-3', 'sim-4']
const SUBSCRIBERS = ['sim-sub-0', 'sim-sub-1']
const NODE = 'sim-node'

const redis = useRedis()
const data = mkdtempSync(join(tmpdir(), 'mqtt-redis-simulate-'))
let served: Served
let sim: { code: number | null; stdout: string; stderr: string }

const cli = (args: readonly string[], timeoutMs = 10_000) => run(process.execPath, [CLI, ...args], timeoutMs)
const inspect = async (what: 'client' | 'topic', name: string): Promise<unknown> => {
  const r = await cli(['inspect', what, name, '--json', '--redis', redis.url, '--log', join(data, 'events')])
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  return JSON.parse(r.stdout)
}
const iso = (seconds: string | null): string | null => (seconds === null || seconds === 'undefined' ? null : new Date(Number(seconds) * 1000).toISOString())

/** The counters of the simulator's last line. */
function finalCounters(stdout: string): Record<string, number> {
  const last = stdout.split('\n').find((l) => l.startsWith('simulate done'))
  if (!last) throw new Error(`no final summary in:\n${stdout}`)
  return Object.fromEntries([...last.matchAll(/(sent|acked|received|reconnects|bad|errors) (\d+)/g)].map((m) => [m[1] as string, Number(m[2])]))
}

/** Stored messages of a topic after `after` whose hash has not expired, read key by key. */
async function liveAfter(topic: string, after: number): Promise<number> {
  const ids = await redis.client.zrangebyscore(`mqtt:msg:${topic}`, `(${after}`, '+inf')
  let n = 0
  for (const id of ids) if (Number(await redis.client.hget(`mqtt:msg:${id}`, 'expire_at')) > Date.now()) n++
  return n
}

beforeAll(async () => {
  served = await startServe(['--config', STATISTICS, '--redis', redis.url, '--node', NODE, '--data', data])
  sim = await cli(['simulate', '--url', `mqtt://127.0.0.1:${served.port}`, '--clients', '5', '--duration', '6', '--interval', '200', '--seed', '1'], 15_000)
  // Every simulated client has ended: the engine has seen each one go.
  try {
    await eventually(async () => {
      for (const c of [...DEVICES, ...SUBSCRIBERS]) expect(await redis.client.hget(`mqtt:client:${c}`, 'state'), c).toBe('0')
    }, 10_000)
  } catch (err) {
    throw new Error(`${String(err)}\nsimulate (exit ${sim.code}):\n${sim.stdout}${sim.stderr}\nserve:\n${served.output().slice(-3000)}`)
  }
}, 40_000)
afterAll(async () => {
  await served?.stop()
  rmSync(data, { recursive: true, force: true })
})

describe('mqtt-redis simulate', () => {
  it('runs for --duration, prints summaries, ends every client and exits 0', () => {
    expect(sim.stderr).toBe('')
    expect(sim.code).toBe(0)
    const summaries = sim.stdout.split('\n').filter((l) => /^simulate \d/.test(l))
    expect(summaries.length).toBeGreaterThanOrEqual(2)
    expect(sim.stdout).toMatch(/simulate done [\d.]+s: devices 0\/5 online, subscribers 0\/2 online/)
    const c = finalCounters(sim.stdout)
    expect(c['sent']).toBeGreaterThan(50)
    expect(c['acked']).toBeGreaterThan(0)
    expect(c['received']).toBeGreaterThan(0)
    expect(c['bad']).toBeGreaterThan(0)
    expect(c['reconnects']).toBeGreaterThan(0)
  })

  it('fills the statistics hashes of examples/statistics.conf and the client hashes', async () => {
    const temps = await redis.client.hgetall('emqx_messages')
    expect(Object.keys(temps).sort()).toEqual(DEVICES)
    for (const t of Object.values(temps)) expect(Number(t) >= 0 && Number(t) < 50).toBe(true)

    const reasons = await redis.client.hgetall('disconnected_reason')
    // Each client ended with a DISCONNECT at the end of the run; subscribers also left with one on the way.
    expect(Number(reasons['normal'])).toBeGreaterThanOrEqual(DEVICES.length)
    const refused = ['$SYS/ topic is reserved', '+ is not allowed in PUBLISH', 'Packet must not have both QoS bits set to 1']
    expect(refused.reduce((s, r) => s + Number(reasons[r] ?? 0), 0)).toBeGreaterThan(0)

    const dropped = await redis.client.hgetall('emqx_message_dropped_count')
    for (const d of DEVICES) expect(Number(dropped[`store-last-message/${d}`])).toBeGreaterThan(0)
    expect(Object.keys(dropped).some((t) => t.startsWith('message-drop-test/'))).toBe(true)
    expect(Number((await redis.client.hgetall('message_dropped_reason'))['no_subscribers'])).toBeGreaterThan(0)
    expect(Number((await redis.client.hgetall('authz_result'))['deny:publish'])).toBeGreaterThan(0)

    for (const c of [...DEVICES, ...SUBSCRIBERS]) {
      const h = await redis.client.hgetall(`mqtt:client:${c}`)
      expect(h['state']).toBe('0')
      expect(Number(h['online_at'])).toBeGreaterThan(0)
      expect(Number(h['offline_at'])).toBeGreaterThanOrEqual(Number(h['online_at']))
    }
  })
})

describe('mqtt-redis inspect', () => {
  it('client sim-0 --json reports what its keys and the log hold', async () => {
    const r = (await inspect('client', 'sim-0')) as {
      known: boolean; state: string; onlineAt: string | null; offlineAt: string | null; node: unknown
      subscriptions: Array<{ filter: string; qos: number; pubsub: unknown }>
      queueHeld: unknown[]; events: Array<{ position: number; type: string }>
    }
    const h = await redis.client.hgetall('mqtt:client:sim-0')
    expect(r.known).toBe(true)
    expect(r.state).toBe(h['state'] === '1' ? 'online' : 'offline')
    expect(r.onlineAt).toBe(iso(h['online_at'] ?? null))
    expect(r.offlineAt).toBe(iso(h['offline_at'] ?? null))
    expect(await redis.client.hget(`mqtt:node:${NODE}`, 'sim-0')).toBeNull()
    expect(r.node).toBeNull()
    const subs = await redis.client.hgetall('mqtt:sub:sim-0')
    expect(r.subscriptions.map((s) => [s.filter, String(s.qos)])).toEqual(Object.entries(subs).sort())
    expect(r.queueHeld).toHaveLength(await redis.client.scard('mqtt:idx:holding:sim-0'))

    const own: LogRecord[] = []
    for await (const rec of readEventLog(join(data, 'events'), { tolerateTornTail: true })) if (rec.event.meta.clientId === 'sim-0') own.push(rec)
    const last = own.slice(-20)
    expect(r.events.map((e) => [e.position, e.type])).toEqual(last.map((x) => [x.position, x.event.type]))
    expect(r.events.at(-1)?.type).toBe('ClientDisconnected')
  })

  it('client sim-sub-0 --json reports its pubsub starts, cursors and backlogs', async () => {
    const r = (await inspect('client', 'sim-sub-0')) as {
      subscriptions: Array<{ filter: string; qos: number; pubsub: { since: number; backlog: number; topics: Array<{ topic: string; cursor: number | null; ackedMsgId: string | null; backlog: number }> } | null }>
      session: { subscriptions: Array<{ filter: string; qos: number }>; queuedPackets: number }
    }
    expect(r.subscriptions.map((s) => [s.filter, String(s.qos)])).toEqual(Object.entries(await redis.client.hgetall('mqtt:sub:sim-sub-0')).sort())
    const since = await redis.client.hgetall('mqtt:idx:since:sim-sub-0')
    const pubsub = r.subscriptions.find((s) => s.filter === 'pubsub/sim/#')?.pubsub
    expect(pubsub?.since).toBe(Number(since['pubsub/sim/#']))
    const topics = (await redis.client.zrange('mqtt:idx:msg_topics', 0, -1)).filter((t) => t.startsWith('pubsub/sim/'))
    expect(pubsub?.topics.map((t) => t.topic)).toEqual(topics)
    expect(topics.length).toBeGreaterThan(0)
    for (const t of pubsub?.topics ?? []) {
      const cursor = await redis.client.hget('mqtt:idx:cursor:sim-sub-0', t.topic)
      expect(t.cursor).toBe(cursor === null ? null : Number(cursor))
      expect(t.ackedMsgId).toBe(await redis.client.get(`mqtt:acked:sim-sub-0:${t.topic}`))
      expect(t.backlog).toBe(await liveAfter(t.topic, Math.max(pubsub?.since ?? 0, t.cursor ?? 0)))
    }
    expect(r.session.subscriptions.map((s) => s.filter)).toEqual(Object.keys(await redis.client.hgetall('mqtt:session:sub:sim-sub-0')).sort())
    expect(r.session.queuedPackets).toBe(await redis.client.zcard('mqtt:session:out:sim-sub-0'))
  })

  it('topic pubsub/sim/sim-0 --json reports its stored messages, cursors and subscribers', async () => {
    const topic = 'pubsub/sim/sim-0'
    const r = (await inspect('topic', topic)) as {
      retained: unknown
      stored: { count: number; live: number; oldest: { id: string; seq: number; from: string } | null; newest: { id: string; seq: number } | null }
      cursors: Array<{ clientId: string; filter: string; since: number; cursor: number | null; behind: number }>
      subscriptions: Array<{ clientId: string; filter: string; qos: number; persistent: boolean }>
    }
    const count = await redis.client.zcard(`mqtt:msg:${topic}`)
    expect(count).toBeGreaterThan(0)
    expect(r.stored.count).toBe(count)
    expect(r.stored.live).toBe(await liveAfter(topic, 0))
    const [oldestId, oldestSeq] = await redis.client.zrange(`mqtt:msg:${topic}`, 0, 0, 'WITHSCORES')
    const [newestId, newestSeq] = await redis.client.zrange(`mqtt:msg:${topic}`, -1, -1, 'WITHSCORES')
    expect(r.stored.oldest).toMatchObject({ id: oldestId, seq: Number(oldestSeq), from: 'sim-0' })
    expect(r.stored.newest).toMatchObject({ id: newestId, seq: Number(newestSeq) })
    expect(r.retained).toBeNull()

    expect(r.cursors.map((c) => c.clientId).sort()).toEqual(SUBSCRIBERS)
    for (const c of r.cursors) {
      expect(c.filter).toBe('pubsub/sim/#')
      expect(c.since).toBe(Number(await redis.client.hget(`mqtt:idx:since:${c.clientId}`, 'pubsub/sim/#')))
      const cursor = await redis.client.hget(`mqtt:idx:cursor:${c.clientId}`, topic)
      expect(c.cursor).toBe(cursor === null ? null : Number(cursor))
      expect(c.behind).toBe(await liveAfter(topic, Math.max(c.since, c.cursor ?? 0)))
    }
    expect(r.subscriptions.filter((s) => s.filter === 'pubsub/sim/#').map((s) => [s.clientId, s.qos, s.persistent])).toEqual(SUBSCRIBERS.map((c) => [c, 1, true]))
  })

  it('topic of a retained status message shows it as redis-cli reads it', async () => {
    const status = (await redis.client.zrange('mqtt:idx:retain', 0, -1)).find((t) => t.startsWith('pubsub/sim/'))
    expect(status).toBeDefined()
    const r = (await inspect('topic', status as string)) as { retained: { id: string; from: string; qos: number; payload: string } | null }
    const h = await redis.client.hgetall(`mqtt:retain:${status}`)
    expect(r.retained).toMatchObject({ id: h['id'], from: h['from'], qos: Number(h['qos']), payload: h['payload'] })
  })
})
