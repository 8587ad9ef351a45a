/**
 * The "done when", as a user would try it: `mqtt-redis serve` with
 * mosquitto_sub / mosquitto_pub (real clients not written here) and redis
 * reads of the EMQX keys.
 */
import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useRedis } from '../support/redis.js'
import { eventually, run, startServe, type Served } from '../support/serve.js'

const redis = useRedis()
let served: Served

beforeAll(async () => {
  served = await startServe(['--redis', redis.url, '--node', 'e2e-node'])
})
afterAll(async () => {
  await served?.stop()
})

const pub = (args: string[]) => run('mosquitto_pub', ['-p', String(served.port), ...args])
const sub = (args: string[], timeoutMs = 5000) => run('mosquitto_sub', ['-p', String(served.port), ...args], timeoutMs)

describe('serve with mosquitto clients', () => {
  it('tracks online state, node membership and subscriptions in the EMQX keys', async () => {
    const child = spawn('mosquitto_sub', ['-p', String(served.port), '-i', 'dev-1', '-q', '1', '-t', 'sensors/+/temp', '-t', 'cmd/dev-1'])
    await eventually(async () => expect(await redis.client.hgetall('mqtt:client:dev-1')).toMatchObject({ state: '1', offline_at: 'undefined' }))
    expect(await redis.client.hget('mqtt:node:e2e-node', 'dev-1')).toMatch(/^\d{10}$/)
    expect(await eventually(async () => {
      const subs = await redis.client.hgetall('mqtt:sub:dev-1')
      expect(Object.keys(subs)).toHaveLength(2)
      return subs
    })).toEqual({ 'sensors/+/temp': '1', 'cmd/dev-1': '1' })

    child.kill('SIGINT')
    await eventually(async () => {
      const h = await redis.client.hgetall('mqtt:client:dev-1')
      expect(h['state']).toBe('0')
      expect(h['offline_at']).toMatch(/^\d{10}$/)
    })
    expect(await redis.client.hexists('mqtt:node:e2e-node', 'dev-1')).toBe(0)
    // The stored subscriptions outlive the connection.
    expect(await redis.client.hlen('mqtt:sub:dev-1')).toBe(2)
  })

  it('stores retained messages, and a new wildcard subscriber receives the matching ones', async () => {
    expect((await pub(['-i', 'p1', '-t', 'home/kitchen/temp', '-m', '21.5', '-r', '-q', '1'])).code).toBe(0)
    expect((await pub(['-i', 'p1', '-t', 'home/hall/temp', '-m', '19', '-r', '-q', '1'])).code).toBe(0)
    expect((await pub(['-i', 'p1', '-t', 'home/hall/hum', '-m', '40', '-r', '-q', '1'])).code).toBe(0)
    const h = await redis.client.hgetall('mqtt:retain:home/kitchen/temp')
    expect(h).toMatchObject({ from: 'p1', qos: '1', topic: 'home/kitchen/temp', retain: 'true', payload: '21.5' })
    expect(h['id']).toMatch(/^[0-9A-Za-z]{20}$/)

    const got = await sub(['-i', 'w1', '-t', 'home/+/temp', '-v', '-C', '2', '-W', '5'])
    expect(got.stdout.trim().split('\n').sort()).toEqual(['home/hall/temp 19', 'home/kitchen/temp 21.5'])

    // An empty retained publish clears it.
    expect((await pub(['-i', 'p1', '-t', 'home/hall/temp', '-n', '-r', '-q', '1'])).code).toBe(0)
    expect(await redis.client.exists('mqtt:retain:home/hall/temp')).toBe(0)
    const after = await sub(['-i', 'w2', '-t', 'home/+/temp', '-v', '-C', '1', '-W', '3'])
    expect(after.stdout.trim()).toBe('home/kitchen/temp 21.5')
  })

  it('gives a reconnecting client its stored subscriptions back without subscribing again', async () => {
    // First connection subscribes to alerts/#, then goes away.
    const first = await sub(['-i', 'ret-1', '-q', '1', '-t', 'alerts/#', '-W', '1'], 4000)
    expect(first.code).not.toBeNull()
    expect(await redis.client.hgetall('mqtt:sub:ret-1')).toEqual({ 'alerts/#': '1' })

    // Second connection subscribes only to an unrelated topic, yet gets alerts/#.
    const second = spawn('mosquitto_sub', ['-p', String(served.port), '-i', 'ret-1', '-q', '1', '-t', 'unrelated', '-v', '-C', '1', '-W', '8'])
    let out = ''
    second.stdout.on('data', (b: Buffer) => void (out += b.toString()))
    await eventually(async () => expect(await redis.client.hget('mqtt:client:ret-1', 'state')).toBe('1'))
    const done = new Promise<void>((r) => second.once('exit', () => r()))
    await eventually(async () => {
      await pub(['-i', 'alarm', '-t', 'alerts/fire', '-m', 'kitchen', '-q', '1'])
      expect(out).toContain('alerts/fire kitchen')
    }, 6000)
    await done
  })
})
