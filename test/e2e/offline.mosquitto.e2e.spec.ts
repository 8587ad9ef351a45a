/**
 * Offline messages as a user tries them: `mqtt-redis serve` with
 * mosquitto_sub / mosquitto_pub.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useRedis } from '../support/redis.js'
import { eventually, run, startServe, type Served } from '../support/serve.js'

const redis = useRedis()
let served: Served

beforeAll(async () => {
  served = await startServe(['--redis', redis.url, '--node', 'off-node'])
})
afterAll(async () => {
  await served?.stop()
})

const pub = (topic: string, msg: string, port = served.port) => run('mosquitto_pub', ['-p', String(port), '-t', topic, '-m', msg, '-q', '1'])
/** A subscriber session: connect, subscribe, print "topic payload" lines; ends after `count` messages or `waitSec`. */
const sub = (id: string, filter: string, opts: { count?: number; waitSec: number; port?: number }) =>
  run('mosquitto_sub', ['-p', String(opts.port ?? served.port), '-i', id, '-q', '1', '-t', filter, '-v', ...(opts.count ? ['-C', String(opts.count)] : []), '-W', String(opts.waitSec)], (opts.waitSec + 3) * 1000)
const lines = (s: string) => s.split('\n').filter(Boolean)

describe('offline messages through serve', () => {
  it('a pubsub subscriber gets exactly the messages it missed, in order, and nothing on its next reconnect', async () => {
    expect(lines((await sub('ps-1', 'pubsub/x', { waitSec: 1 })).stdout)).toEqual([])
    for (let i = 1; i <= 5; i++) expect((await pub('pubsub/x', `m${i}`)).code).toBe(0)
    const back = await sub('ps-1', 'pubsub/x', { count: 5, waitSec: 5 })
    expect(lines(back.stdout)).toEqual(['pubsub/x m1', 'pubsub/x m2', 'pubsub/x m3', 'pubsub/x m4', 'pubsub/x m5'])
    expect(lines((await sub('ps-1', 'pubsub/x', { waitSec: 2 })).stdout)).toEqual([])
  })

  it('a wildcard subscriber gets the stored messages of each matching topic, each in order', async () => {
    await sub('wild-1', 'pubsub/+/temp', { waitSec: 1 })
    await pub('pubsub/a/temp', 'a1')
    await pub('pubsub/b/temp', 'b1')
    await pub('pubsub/a/hum', 'nope')
    await pub('pubsub/a/temp', 'a2')
    const got = lines((await sub('wild-1', 'pubsub/+/temp', { count: 3, waitSec: 5 })).stdout)
    expect(got.filter((l) => l.startsWith('pubsub/a/'))).toEqual(['pubsub/a/temp a1', 'pubsub/a/temp a2'])
    expect(got.filter((l) => l.startsWith('pubsub/b/'))).toEqual(['pubsub/b/temp b1'])
  })

  it('a queue backlog is split between two consumers, each message to exactly one, and acked ones never come back', async () => {
    for (let i = 1; i <= 20; i++) await pub('queue/jobs', `job${i}`)
    const [a, b] = await Promise.all([sub('worker-a', 'queue/jobs', { waitSec: 3 }), sub('worker-b', 'queue/jobs', { waitSec: 3 })])
    const all = [...lines(a.stdout), ...lines(b.stdout)]
    expect(all.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `queue/jobs job${i + 1}`).sort())
    expect(await redis.client.zcard('mqtt:msg:queue/jobs')).toBe(0)
    expect(lines((await sub('worker-c', 'queue/jobs', { waitSec: 2 })).stdout)).toEqual([])
  })

  it('a persistent session (clean=false) gets each missed message once: from its session, not again from Redis', async () => {
    const persistent = (waitSec: number, count?: number) =>
      run('mosquitto_sub', ['-p', String(served.port), '-c', '-i', 'keeper', '-q', '1', '-t', 'pubsub/p', '-v', ...(count ? ['-C', String(count)] : []), '-W', String(waitSec)], (waitSec + 3) * 1000)
    await persistent(1)
    for (let i = 1; i <= 4; i++) await pub('pubsub/p', `p${i}`)
    // The PUBACK comes before Aedes has routed the message; wait until all four are
    // queued for the session (in Redis), or the last could race the reconnect.
    await eventually(async () => expect(await redis.client.zcard('mqtt:session:out:keeper')).toBe(4))
    // It re-subscribes on reconnect, as mosquitto_sub does; the broker session already holds the filter.
    const back = lines((await persistent(3)).stdout)
    expect(back).toEqual(['pubsub/p p1', 'pubsub/p p2', 'pubsub/p p3', 'pubsub/p p4'])
  })

  it('messages past their expiry are not delivered', async () => {
    const short = await startServe(['--redis', redis.url, '--node', 'exp-node', '--prefix', 'exp:', '--expired-time', '1'])
    try {
      await sub('late-1', 'pubsub/e', { waitSec: 1, port: short.port })
      await pub('pubsub/e', 'stale', short.port)
      await new Promise((r) => setTimeout(r, 1500)) // real time: the message's 1 s passes
      await pub('pubsub/e', 'fresh', short.port)
      expect(lines((await sub('late-1', 'pubsub/e', { waitSec: 2, port: short.port })).stdout)).toEqual(['pubsub/e fresh'])
    } finally {
      await short.stop()
    }
  })
})
