/**
 * `mqtt-redis serve` with no --redis and no REDIS_URL: the embedded default.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import mqtt from 'mqtt'
import { afterAll, describe, expect, it } from 'vitest'
import { eventually, run, startServe, CLI } from '../support/serve.js'

const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'mqtt-redis-e2e-'))
  dirs.push(d)
  return d
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const envWithoutRedisUrl = () => {
  const env = { ...process.env }
  delete env['REDIS_URL']
  return env
}

describe('serve on its embedded redis-server', () => {
  it('stopped while it still waits for a Redis that never answers: a second signal ends it at once', async () => {
    const { freePort } = await import('../../src/redis/embedded.js')
    const nobody = await freePort()
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--http', '0', '--data', tmp(), '--redis', `redis://127.0.0.1:${nobody}`], { env: envWithoutRedisUrl(), stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout?.on('data', (b: Buffer) => void (out += b.toString()))
    child.stderr?.on('data', (b: Buffer) => void (out += b.toString()))
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    await eventually(async () => expect(out).toContain('waiting for redis before accepting clients'), 10_000)
    child.kill('SIGTERM')
    // Two of the same signal sent back to back may arrive as one: a moment apart, and a different one.
    await new Promise((r) => setTimeout(r, 300))
    const t0 = Date.now()
    child.kill('SIGINT')
    expect(await exited).toBe(1)
    expect(Date.now() - t0).toBeLessThan(5_000)
    expect(out).not.toContain('MQTT broker listening')
  })

  it('says where it listens in <data>/serve.json while it runs, so simulate and inspect find it', async () => {
    const data = tmp()
    const served = await startServe(['--data', data, '--node', 'where', '--http', '0'], envWithoutRedisUrl())
    try {
      const address = JSON.parse(readFileSync(join(data, 'serve.json'), 'utf8')) as { mqtt: string; redis: string; http: string | null; pid: number }
      expect(address.mqtt).toBe(`mqtt://127.0.0.1:${served.port}`)
      expect(address.http).toBeNull()
      expect(address.pid).toBe(served.child.pid)
      const sim = await run(process.execPath, [CLI, 'simulate', '--data', data, '--clients', '2', '--duration', '2', '--interval', '200', '--subscribers', '0'], 20_000)
      expect(sim.code).toBe(0)
      expect(sim.stdout).toContain(`on ${address.mqtt}`)
      const r = new Redis(address.redis, { maxRetriesPerRequest: 1 })
      try {
        expect(await r.hget('mqtt:client:sim-0', 'state')).toBe('0')
      } finally {
        r.disconnect()
      }
      expect(await served.stop('SIGINT')).toBe(0)
      expect(existsSync(join(data, 'serve.json'))).toBe(false)
    } finally {
      // A failed expectation must not leave serve (and its redis-server) running.
      if (served.child.exitCode === null && served.child.signalCode === null) await served.stop('SIGTERM')
    }
  })

  it('starts redis-server under --data, says so in one line, keeps state across restarts, and stops it on exit', async () => {
    const data = tmp()
    const served = await startServe(['--data', data, '--node', 'emb'], envWithoutRedisUrl())
    const line = served.output().split('\n').find((l) => l.includes('embedded redis-server'))
    expect(line).toBeDefined()
    const url = /redis:\/\/127\.0\.0\.1:(\d+)/.exec(line as string)
    expect(url).not.toBeNull()
    const port = Number((url as RegExpExecArray)[1])
    expect(port).not.toBe(6379)

    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${served.port}`, { clientId: 'emb-1', reconnectPeriod: 0 })
    await c.subscribeAsync('keep/me', { qos: 1 })
    await c.endAsync()
    const r = new Redis({ port, maxRetriesPerRequest: 1, retryStrategy: () => null })
    r.on('error', () => undefined)
    await eventually(async () => expect(await r.hgetall('mqtt:sub:emb-1')).toEqual({ 'keep/me': '1' }))
    r.disconnect()

    expect(await served.stop('SIGINT')).toBe(0)
    // The embedded server is gone with it.
    const probe = new Redis({ port, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true })
    probe.on('error', () => undefined)
    await expect(probe.connect()).rejects.toThrow()

    // Its data survives a restart of serve on the same --data.
    const again = await startServe(['--data', data, '--node', 'emb'], envWithoutRedisUrl())
    const port2 = Number(/redis:\/\/127\.0\.0\.1:(\d+)/.exec(again.output())?.[1])
    const r2 = new Redis({ port: port2 })
    expect(await r2.hgetall('mqtt:sub:emb-1')).toEqual({ 'keep/me': '1' })
    r2.disconnect()
    expect(await again.stop()).toBe(0)
  })

  it('without a redis-server binary, exits with a message saying how to install one', async () => {
    // PATH holds only an empty directory: no redis-server on it (node is started by its full path).
    const env = { ...envWithoutRedisUrl(), PATH: tmp() }
    const res = await new Promise<{ code: number | null; out: string }>((resolve) => {
      void import('node:child_process').then(({ spawn }) => {
        const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--http', '0', '--data', tmp()], { env })
        let out = ''
        child.stdout.on('data', (b: Buffer) => void (out += b.toString()))
        child.stderr.on('data', (b: Buffer) => void (out += b.toString()))
        child.once('exit', (code) => resolve({ code, out }))
      })
    })
    expect(res.code).toBe(2)
    expect(res.out).toMatch(/no redis-server binary was found/)
    expect(res.out).toMatch(/apt-get install redis-server/)
  })

  it('a --port that is taken stops startup with a clear message and leaves no redis-server behind', async () => {
    const { createServer } = await import('node:net')
    const blocker = createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()))
    const port = (blocker.address() as { port: number }).port
    try {
      const data = tmp()
      const res = await run(process.execPath, [CLI, 'serve', '--port', String(port), '--host', '127.0.0.1', '--http', '0', '--data', data], 15_000)
      expect(res.code).toBe(1)
      expect(res.stderr).toMatch(new RegExp(`port ${port} is already in use`))
      // The embedded redis-server it had started is stopped again.
      const pidFile = join(data, 'redis', 'redis.pid')
      const { existsSync } = await import('node:fs')
      expect(existsSync(pidFile)).toBe(false)
    } finally {
      blocker.close()
    }
  })

  it('rejects a bad option with a clear message', async () => {
    const res = await run(process.execPath, [CLI, 'serve', '--port', 'abc'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toMatch(/--port must be an integer/)
  })
})
