/**
 * Issue "done when", as a user would try it: a mosquitto_sub with a
 * persistent session (-c -i ID -q 1) goes away, messages are published to
 * it, `serve` is restarted, and the subscriber gets them all when it comes
 * back: Aedes' session lives in Redis, not in the server's memory.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort } from '../../src/redis/embedded.js'
import { useRedis } from '../support/redis.js'
import { eventually, run, startServe, type Served } from '../support/serve.js'

const redis = useRedis()
const data = mkdtempSync(join(tmpdir(), 'mqtt-redis-persistent-'))
let served: Served | undefined

afterAll(async () => {
  await served?.stop()
  rmSync(data, { recursive: true, force: true })
})

describe('a persistent session across a restart of serve', () => {
  it('delivers every QoS 1 message published while the subscriber was away, after the restart', async () => {
    const port = await freePort()
    const args = ['--redis', redis.url, '--node', 'p-node', '--data', data, '--port', String(port)]
    served = await startServe(args)
    const sub = (extra: string[], timeoutMs: number) => run('mosquitto_sub', ['-p', String(port), '-c', '-i', 'keeper', '-q', '1', '-t', 'plant/line1/#', '-v', ...extra], timeoutMs)

    // Subscribe once with a persistent session, then leave.
    expect((await sub(['-E'], 5000)).code).toBe(0)
    await eventually(async () => expect(await redis.client.hget('mqtt:session:sub:keeper', 'plant/line1/#')).toContain('"qos":1'))

    for (let i = 1; i <= 5; i++) {
      expect((await run('mosquitto_pub', ['-p', String(port), '-i', 'press', '-q', '1', '-t', `plant/line1/m${i}`, '-m', `reading ${i}`])).code).toBe(0)
    }
    // Queued for the session, in Redis.
    await eventually(async () => expect(await redis.client.zcard('mqtt:session:out:keeper')).toBe(5))

    expect(await served.stop()).toBe(0)
    served = await startServe(args)

    const back = await sub(['-C', '5', '-W', '10'], 15_000)
    expect(back.stdout.trim().split('\n')).toEqual([1, 2, 3, 4, 5].map((i) => `plant/line1/m${i} reading ${i}`))
    // Acknowledged, so nothing is left queued.
    await eventually(async () => expect(await redis.client.exists('mqtt:session:out:keeper', 'mqtt:session:out_packet:keeper')).toBe(0))
  }, 60_000)
})
