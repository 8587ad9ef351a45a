/**
 * Hook rules through `mqtt-redis serve --config`, with real MQTT clients:
 * the statistics rule set of the EMQX + Redis demo (examples/statistics.conf),
 * an injection attempt through a client id and a payload, and the EMQX
 * documentation's own conf (its config lines, unmodified) with its raw
 * command rule and the mqtt_channel control channel, both ways.
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { useRedis } from '../support/redis.js'
import { eventually, run, startServe, type Served } from '../support/serve.js'

const STATISTICS = fileURLToPath(new URL('../../examples/statistics.conf', import.meta.url))
const SEED_000 = fileURLToPath(new URL('../../../shared/seeds/000_854fa4ba0f76ed27.txt', import.meta.url))

const redis = useRedis()
const clients: MqttClient[] = []
let served: Served | undefined
const tmp = mkdtempSync(join(tmpdir(), 'mqtt-redis-rules-'))

async function connect(clientId: string, opts: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${served?.port}`, { clientId, reconnectPeriod: 0, ...opts })
  clients.push(c)
  return c
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.end(true)
  await served?.stop()
  served = undefined
  await redis.client.flushall()
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('the statistics rules of the EMQX + Redis demo, through serve', () => {
  it('counts disconnect reasons, dropped messages, authorization results and keeps the last temperature', async () => {
    served = await startServe(['--config', STATISTICS, '--redis', redis.url, '--node', 'stats'])
    const dev1 = await connect('dev-1')
    await dev1.publishAsync('store-last-message/dev-1', JSON.stringify({ message: 'm', clientId: 'dev-1', temp: 44.37, hum: 32.52 }), { qos: 1 })
    // Nobody subscribes to that topic: the publish is dropped for lack of subscribers.
    const watcher = await connect('watcher')
    await watcher.subscribeAsync('alerts/#', { qos: 1 })
    await dev1.publishAsync('alerts/fire', 'x', { qos: 1 })
    // A persistent session that is away gets QoS 1 messages queued, but not QoS 0 ones: a delivery drop, not a message drop.
    const away = await connect('away', { clean: false })
    await away.subscribeAsync('fleet/#', { qos: 1 })
    await away.endAsync()
    await dev1.publishAsync('fleet/all', 'q0', { qos: 0 })
    await dev1.publishAsync('fleet/all', 'q1', { qos: 1 })
    await dev1.endAsync() // DISCONNECT: normal
    // Aedes refuses publishes to $SYS topics: a denied publish, and the connection is closed with that reason.
    const intruder = await connect('intruder')
    intruder.on('error', () => undefined)
    intruder.publish('$SYS/forged', 'x', { qos: 0 })
    const dev2 = await connect('dev-2')
    dev2.end(true) // socket closed without DISCONNECT

    const h = (key: string) => redis.client.hgetall(key)
    await eventually(async () => {
      expect(await h('emqx_messages')).toEqual({ 'dev-1': '44.37' })
      expect(await h('disconnected_reason')).toEqual({ normal: '2', closed: '1', '$SYS/ topic is reserved': '1' })
      expect(await h('emqx_message_dropped_count')).toEqual({ 'store-last-message/dev-1': '1', 'fleet/all': '1' })
      expect(await h('message_dropped_reason')).toEqual({ no_subscribers: '1', qos0_msg: '1' })
      expect(await h('authz_result')).toEqual({ 'allow:publish': '4', 'allow:subscribe': '2', 'deny:publish': '1' })
      expect(await h('authz_source')).toEqual({ default: '7' })
      expect(await redis.client.hget('mqtt:client:intruder', 'state')).toBe('0')
    })
    // The engine did its normal job beside the rules.
    expect(await redis.client.hget('mqtt:client:dev-1', 'state')).toBe('0')
    expect(await redis.client.hgetall('mqtt:sub:watcher')).toEqual({ 'alerts/#': '1' })
  })

  it('cannot be made to run a second command by a client id or a payload', async () => {
    served = await startServe(['--config', STATISTICS, '--redis', redis.url, '--node', 'stats'])
    await redis.client.config('RESETSTAT')
    await redis.client.set('keep:a', '1')
    await redis.client.hset('keep:b', 'f', 'v')
    const evil = 'a b\r\nFLUSHALL\r\n*1\r\n$8\r\nFLUSHALL'
    const c = await connect(evil)
    await c.publishAsync('store-last-message/evil', '{"temp":"1\\r\\nFLUSHALL ${clientid}"}', { qos: 1 })
    await c.endAsync()
    await eventually(async () => expect(await redis.client.hget('disconnected_reason', 'normal')).toBe('1'))
    expect(await redis.client.get('keep:a')).toBe('1')
    expect(await redis.client.hget('keep:b', 'f')).toBe('v')
    expect(await redis.client.hgetall('emqx_messages')).toEqual({ [evil]: '1\r\nFLUSHALL ${clientid}' })
    expect(await redis.client.hget(`mqtt:client:${evil}`, 'state')).toBe('0')
    const stats = await redis.client.info('commandstats')
    expect(stats).not.toContain('cmdstat_flushall')
  })
})

describe('every hook, with the command examples of the EMQX documentation', () => {
  it('runs each hook\'s commands with its fields', async () => {
    const file = join(tmp, 'hooks.conf')
    const rule = (hook: string, n: number, commands: string[], topic?: string) =>
      `backend.redis.hook.${hook}.${n} = ${JSON.stringify({ ...(topic ? { topic } : {}), action: { commands } })}`
    writeFileSync(file, [
      'backend.redis.hook.message.publish.1 = {"topic": "#", "action": {"function": "on_message_publish"}}',
      'backend.redis.hook.session.subscribed.1 = {"topic": "queue/#", "action": {"function": "on_message_fetch_for_queue"}}',
      rule('client.connected', 2, ['SET conn:${clientid} clientid']),
      rule('client.disconnected', 2, ['SET disconn:${clientid} clientid']),
      rule('session.created', 1, ['SADD sessions ${clientid}']),
      rule('session.subscribed', 2, ['HSET sub:${clientid} ${topic} ${qos}']),
      rule('session.unsubscribed', 1, ['SET unsub:${clientid} ${topic}']),
      rule('message.publish', 2, ['RPUSH pub:${topic} ${msgid}'], 'queue/#'),
      rule('message.delivered', 1, ['HSET delivered:${clientid} ${topic} ${payload}']),
      rule('message.acked', 1, ['HSET ack:${clientid} ${topic} ${msgid}']),
      rule('client.connack', 1, ['HINCRBY connack ${reason_code} 1']),
    ].join('\n'))
    served = await startServe(['--config', file, '--redis', redis.url])
    const c = await connect('c1')
    await c.subscribeAsync('queue/jobs', { qos: 1 })
    const received = new Promise<string>((r) => c.once('message', (_t, payload) => r(payload.toString())))
    const p = await connect('p1', { clean: false })
    await p.publishAsync('queue/jobs', 'job-1', { qos: 1 })
    expect(await received).toBe('job-1')
    await c.unsubscribeAsync('queue/jobs')
    await c.endAsync()
    await eventually(async () => {
      expect(await redis.client.get('conn:c1')).toBe('clientid')
      expect(await redis.client.get('disconn:c1')).toBe('clientid')
      expect((await redis.client.smembers('sessions')).sort()).toEqual(['c1']) // p1's session is persistent
      expect(await redis.client.hgetall('sub:c1')).toEqual({ 'queue/jobs': '1' })
      expect(await redis.client.get('unsub:c1')).toBe('queue/jobs')
      expect(await redis.client.hgetall('delivered:c1')).toEqual({ 'queue/jobs': 'job-1' })
      expect(await redis.client.hgetall('connack')).toEqual({ 0: '2' })
      const [msgId] = await redis.client.lrange('pub:queue/jobs', 0, -1)
      expect(msgId).toMatch(/^[0-9A-Za-z]{20}$/)
      expect(await redis.client.hgetall('ack:c1')).toEqual({ 'queue/jobs': msgId })
    })
  })
})

/** The conf blocks of the EMQX documentation, as they stand (other lines blanked). */
function seedConf(): string {
  const keep = (l: string) => l.startsWith('backend.redis.') || l.startsWith('##')
  return readFileSync(SEED_000, 'utf8').split('\n').map((l) => (keep(l) ? l : '')).join('\n')
}

describe("the EMQX documentation's conf, through serve", () => {
  it('runs its raw command rule, publishes subscription notices on mqtt_channel and obeys commands sent there', async () => {
    const file = join(tmp, 'emqx_backend_redis.conf')
    writeFileSync(file, seedConf())
    // The conf's pool1 is 127.0.0.1:6379, database 1; --redis points pool1 at the test's server instead.
    served = await startServe(['--config', file, '--redis', redis.url, '--node', 'doc'])
    const listener = new Redis(redis.url)
    const notices: unknown[] = []
    listener.on('message', (_ch: string, m: string) => {
      try {
        notices.push(JSON.parse(m))
      } catch {
        notices.push(m) // the malformed message this test sends itself
      }
    })
    await listener.subscribe('mqtt_channel')
    try {
      const dev = await connect('dev-9')
      const got: string[] = []
      dev.on('message', (topic, payload) => void got.push(`${topic} ${payload.toString()}`))
      // backend.redis.hook.client.connected.3: SET conn:${clientid} clientid
      await eventually(async () => expect(await redis.client.get('conn:dev-9')).toBe('clientid'))

      await dev.subscribeAsync('sensors/#', { qos: 1 })
      await eventually(async () => expect(notices).toContainEqual({ type: 'subscribe', topic: 'sensors/#', clientid: 'dev-9', qos: 1, node: 'doc' }))

      // A business server makes the client subscribe, as the Chinese edition of the doc describes (qos as a string there).
      await redis.client.publish('mqtt_channel', 'not json {')
      await redis.client.publish('mqtt_channel', JSON.stringify({ type: 'subscribe', topic: 'cmd/dev-9', clientid: 'dev-9', qos: '1' }))
      await eventually(async () => expect(await redis.client.hgetall('mqtt:sub:dev-9')).toEqual({ 'sensors/#': '1', 'cmd/dev-9': '1' }))
      const pub = await connect('server-side')
      await pub.publishAsync('cmd/dev-9', 'reboot', { qos: 1 })
      await eventually(async () => expect(got).toContain('cmd/dev-9 reboot'))

      await redis.client.publish('mqtt_channel', JSON.stringify({ type: 'unsubscribe', topic: 'cmd/dev-9', clientid: 'dev-9' }))
      await eventually(async () => expect(await redis.client.hgetall('mqtt:sub:dev-9')).toEqual({ 'sensors/#': '1' }))
      expect(notices).toContainEqual({ type: 'unsubscribe', topic: 'cmd/dev-9', clientid: 'dev-9', node: 'doc' })
      expect(served.output()).toContain('ignored a malformed control message')
    } finally {
      listener.disconnect()
    }
  })

  it('stops startup on a bad configuration, naming the file, the line and the problem', async () => {
    const file = join(tmp, 'bad.conf')
    writeFileSync(file, ['## pools', 'backend.redis.pool1.server = 127.0.0.1:6379', 'backend.redis.hook.message.publish.1 = {"topic": "#", "action": {"function": "on_message_publsh"}, "pool": "pool1"}'].join('\n'))
    const r = await run(process.execPath, [fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url)), 'serve', '--config', file, '--port', '0', '--redis', redis.url, '--data', tmp])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(`${file}:3:`)
    expect(r.stderr).toContain('on_message_publsh')
  })
})
