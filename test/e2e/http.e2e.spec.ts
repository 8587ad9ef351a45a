/**
 * serve's HTTP side: /metrics moves with what MQTT.js clients do, and
 * /api/snapshot says what Redis holds (checked against ioredis reading the
 * same keys); /events streams snapshots; `--http 0` turns it off; without
 * --http a taken 8080 falls back to a free port, said in one log line.
 */
import { createServer, type Server } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../src/redis/embedded.js'
import type { Snapshot } from '../../src/http/snapshot.js'
import { useRedis } from '../support/redis.js'
import { mqttClients } from '../support/mqtt-clients.js'
import { eventually, startServe, type Served } from '../support/serve.js'

const STATISTICS = fileURLToPath(new URL('../../examples/statistics.conf', import.meta.url))
const NODE = 'http-node'
const redis = useRedis()
let served: Served
let http = 0
const mq = mqttClients(() => served.port)
const connect = mq.connect

async function get(path: string, port = http): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`)
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() }
}

async function snapshot(): Promise<Snapshot> {
  const r = await get('/api/snapshot')
  expect(r.status).toBe(200)
  return JSON.parse(r.body) as Snapshot
}

/** The value of one sample of the Prometheus text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line)
    if (!m || m[1] !== name) continue
    const have = (m[2] ?? '').split(',').filter((s) => s !== '')
    if (want.every((w) => have.includes(w)) && have.length === want.length) return Number(m[3])
  }
  return undefined
}

function asMap(rows: ReadonlyArray<{ readonly name: string; readonly count: number }>): Record<string, string> {
  return Object.fromEntries(rows.map((r) => [r.name, String(r.count)]))
}

beforeAll(async () => {
  http = await freePort()
  served = await startServe(['--redis', redis.url, '--node', NODE, '--config', STATISTICS, '--http', String(http), '--max-payload', '64'])
})
afterAll(async () => {
  mq.endAll()
  await served?.stop()
})

describe('serve --http', () => {
  it('says where the dashboard is, and serves a self-contained page', async () => {
    expect(served.output()).toContain(`dashboard on http://localhost:${http}/`)
    const page = await get('/')
    expect(page.status).toBe(200)
    expect(page.type).toContain('text/html')
    expect(page.body).toContain('new EventSource(')
    // Nothing is loaded from elsewhere: no external script, stylesheet, image or font.
    expect(page.body).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i)
    expect(page.body).not.toMatch(/url\(\s*["']?(https?:)?\/\//i)
    expect(page.body).not.toMatch(/@import/i)
    expect((await get('/nope')).status).toBe(404)
  })

  it('counts in /metrics what the clients did', async () => {
    const before = (await get('/metrics')).body
    expect(sample(before, 'mqtt_redis_clients_online')).toBe(0)

    // A persistent queue consumer leaves: the QoS 1 messages published after are stored for it.
    const worker = await connect('worker', { clean: false })
    await worker.subscribeAsync('queue/#', { qos: 1 })
    await worker.endAsync()
    const a = await connect('dev-a')
    const b = await connect('dev-b')
    for (let i = 0; i < 5; i++) await a.publishAsync('queue/jobs', `job ${i}`, { qos: 1 })
    await a.publishAsync('store-last-message/dev-a', JSON.stringify({ temp: 21.5 }), { qos: 1 })
    await b.publishAsync('store-last-message/dev-b', JSON.stringify({ temp: 30.25 }), { qos: 1 })
    // Larger than --max-payload: routed, not stored, counted as rejected.
    await b.publishAsync('queue/jobs', 'x'.repeat(200), { qos: 1 })

    await eventually(async () => {
      const m = (await get('/metrics')).body
      expect(sample(m, 'mqtt_redis_inputs_accepted_total', { type: 'mqtt.connect' })).toBe(3)
      expect(sample(m, 'mqtt_redis_inputs_accepted_total', { type: 'mqtt.publish' })).toBe(7)
      expect(sample(m, 'mqtt_redis_inputs_rejected_total', { code: 'payload_too_large' })).toBe(1)
      expect(sample(m, 'mqtt_redis_domain_events_total', { type: 'ClientConnected' })).toBe(3)
      expect(sample(m, 'mqtt_redis_domain_events_total', { type: 'MessageStored' })).toBe(5)
      expect(sample(m, 'mqtt_redis_clients_online')).toBe(2)
      expect(sample(m, 'mqtt_redis_projection_lag_events')).toBe(0)
      // The statistics rules ran their commands (HSET emqx_messages, HINCRBY authz_result, ...).
      expect(sample(m, 'mqtt_redis_rule_commands_total')).toBeGreaterThanOrEqual(2)
      expect(sample(m, 'mqtt_redis_rule_command_errors_total')).toBe(0)
    })
    const m = (await get('/metrics')).body
    const batches = sample(m, 'mqtt_redis_projection_batches_total') ?? 0
    expect(batches).toBeGreaterThan(0)
    // Every round trip is in the batch histograms, and the sizes add up to the domain events applied.
    expect(sample(m, 'mqtt_redis_redis_apply_seconds_count')).toBe(batches)
    expect(sample(m, 'mqtt_redis_projection_batch_events_count')).toBe(batches)
    expect(sample(m, 'mqtt_redis_redis_apply_seconds_bucket', { le: '+Inf' })).toBe(batches)
    expect(sample(m, 'mqtt_redis_projection_batch_events_sum')).toBeGreaterThanOrEqual(3 + 7 + 5)
    // With a log (serve keeps one by default): the log and the checkpoint agree once everything is in Redis.
    const position = sample(m, 'mqtt_redis_log_position') ?? 0
    expect(position).toBeGreaterThan(0)
    expect(sample(m, 'mqtt_redis_checkpoint_position')).toBe(position)
    expect(sample(m, 'mqtt_redis_log_lag_events')).toBe(0)
    expect(Number(await redis.client.hget('mqtt:idx:checkpoint', NODE))).toBe(position)
    expect(sample(m, 'mqtt_redis_log_bytes')).toBeGreaterThan(0)
    expect(sample(m, 'mqtt_redis_log_append_seconds_count')).toBeGreaterThan(0)
    expect(sample(m, 'mqtt_redis_actors', { state: 'live' })).toBeGreaterThanOrEqual(3)
    // prom-client's process metrics.
    expect(sample(m, 'process_cpu_user_seconds_total')).toBeGreaterThan(0)
    expect(m).toContain('nodejs_heap_size_used_bytes')
  })

  it('gives in /api/snapshot what ioredis reads from the same keys', async () => {
    const c = await connect('dev-c')
    await c.publishAsync('store-last-message/dev-c', JSON.stringify({ temp: -3 }), { qos: 1 })
    c.stream.destroy() // an abrupt disconnect, next to the worker's normal one
    await eventually(async () => expect(await redis.client.hexists(`mqtt:node:${NODE}`, 'dev-c')).toBe(0))

    await eventually(async () => {
      const s = await snapshot()
      const r = redis.client
      expect(s.node).toBe(NODE)
      expect(s.redis.up).toBe(true)
      expect(s.clients.online).toBe(await r.hlen(`mqtt:node:${NODE}`))
      expect(s.clients.online).toBe(2)
      expect(s.clients.persistentSessions).toBe(await r.scard('mqtt:idx:session_clients'))
      expect(s.messages.retained).toBe(await r.zcard('mqtt:idx:retain'))
      const backlog = s.messages.backlog
      expect(backlog?.topics).toBe(await r.zcard('mqtt:idx:msg_topics'))
      expect(backlog?.top).toEqual([{ topic: 'queue/jobs', messages: await r.zcard('mqtt:msg:queue/jobs') }])
      expect(backlog?.messages).toBe(5)
      const temps = s.statistics.lastTemperature
      expect(temps?.total).toBe(await r.hlen('emqx_messages'))
      expect(Object.fromEntries((temps?.devices ?? []).map((d) => [d.device, d.value]))).toEqual(await r.hgetall('emqx_messages'))
      expect(Object.keys(await r.hgetall('emqx_messages')).sort()).toEqual(['dev-a', 'dev-b', 'dev-c'])
      expect(asMap(s.statistics.disconnectReasons?.top ?? [])).toEqual(await r.hgetall('disconnected_reason'))
      expect(asMap(s.statistics.authzResult?.top ?? [])).toEqual(await r.hgetall('authz_result'))
      expect(asMap(s.statistics.authzSource?.top ?? [])).toEqual(await r.hgetall('authz_source'))
      expect(asMap(s.statistics.droppedByReason?.top ?? [])).toEqual(await r.hgetall('message_dropped_reason'))
      expect(asMap(s.statistics.droppedByTopic?.top ?? [])).toEqual(await r.hgetall('emqx_message_dropped_count'))
      expect(s.engine.log?.checkpoint).toBe(Number(await r.hget('mqtt:idx:checkpoint', NODE)))
      expect(s.engine.inFlight).toBe(0)
      expect(s.engine.rejected).toEqual({ payload_too_large: 1 })
      // The history has a point a second, the latest seeing the same clients.
      expect(s.history.length).toBeGreaterThan(0)
      expect(s.history[s.history.length - 1]?.online).toBe(2)
    }, 8000)
  })

  it('streams snapshots on /events', async () => {
    const ac = new AbortController()
    const res = await fetch(`http://127.0.0.1:${http}/events`, { signal: ac.signal })
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const reader = res.body?.getReader()
    if (!reader) throw new Error('no body')
    const decoder = new TextDecoder()
    let text = ''
    const datas: Snapshot[] = []
    while (datas.length < 2) {
      const { value, done } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
      let i
      while ((i = text.indexOf('\n\n')) >= 0) {
        const frame = text.slice(0, i)
        text = text.slice(i + 2)
        for (const line of frame.split('\n')) if (line.startsWith('data: ')) datas.push(JSON.parse(line.slice(6)) as Snapshot)
      }
    }
    ac.abort()
    expect(datas.length).toBe(2)
    expect(datas[1]?.ts).toBeGreaterThan(datas[0]?.ts ?? Infinity)
    expect(datas[1]?.clients.online).toBe(2)
  })

  it('--http 0 turns the HTTP side off', async () => {
    const off = await startServe(['--redis', redis.url, '--node', 'off-node', '--prefix', 'off:', '--http', '0'])
    try {
      expect(off.output()).not.toContain('dashboard on')
    } finally {
      await off.stop()
    }
  })

  it('without --http, a taken 8080 falls back to a free port, said in one line', async () => {
    // Hold 8080 for the test (if something else already holds it, the fallback is the same).
    const holder: Server | null = await new Promise((resolve) => {
      const s = createServer()
      s.once('error', () => resolve(null))
      s.listen(8080, () => resolve(s))
    })
    const other = await startServe(['--redis', redis.url, '--node', 'fallback-node', '--prefix', 'fb:'], process.env, { defaultHttp: true })
    try {
      const line = other.output().split('\n').find((l) => l.includes('HTTP port 8080 is already in use'))
      expect(line).toBeDefined()
      const port = Number((/"http":(\d+)/.exec(line ?? '') ?? [])[1])
      expect(port).toBeGreaterThan(0)
      expect(port).not.toBe(8080)
      expect((await get('/metrics', port)).body).toContain('mqtt_redis_projection_lag_events')
    } finally {
      await other.stop()
      await new Promise<void>((r) => (holder ? holder.close(() => r()) : r()))
    }
  })
})
