/**
 * Redis stopped under traffic, as an operator would see it: serve keeps
 * acknowledging from its event log, and once Redis is back every
 * acknowledged publish is in it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import mqtt from 'mqtt'
import { describe, expect, it } from 'vitest'
import { startEmbeddedRedis } from '../../src/redis/embedded.js'
import { startPump } from '../support/pump.js'
import { eventually, startServe } from '../support/serve.js'

describe('Redis going away under traffic', () => {
  it('loses no acknowledged publish across a 10 s Redis stop and restart', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mqtt-redis-outage-'))
    // A Redis that keeps its data on disk, so a restart brings back what it had.
    let server = await startEmbeddedRedis({ dir: join(dir, 'redis') })
    const served = await startServe(['--redis', server.url, '--node', 'o1', '--data', join(dir, 'data')])
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${served.port}`, { clientId: 'pump', reconnectPeriod: 0 })
    try {
      const pump = startPump(c, 'load/', 5, 5)
      const acked = pump.acked
      await eventually(async () => expect(acked.length).toBeGreaterThan(100))
      await server.stop()
      const atStop = acked.length
      await new Promise((r) => setTimeout(r, 10_000)) // Redis away for 10 s under traffic
      const duringOutage = acked.length - atStop
      server = await startEmbeddedRedis({ port: server.port, dir: join(dir, 'redis') })
      await new Promise((r) => setTimeout(r, 1000))
      pump.stop()
      expect(duringOutage).toBeGreaterThan(0) // acknowledged from the log meanwhile
      expect(served.output()).toMatch(/redis is unavailable/)
      const check = new Redis(server.url)
      try {
        const total = acked.length
        await eventually(async () => {
          const p = check.pipeline()
          for (const t of acked.slice(0, total)) p.hget(`mqtt:retain:${t}`, 'payload')
          const got = ((await p.exec()) ?? []).map(([, v]) => v)
          expect(got.filter((v) => v === null).length).toBe(0)
        }, 15_000)
      } finally {
        check.disconnect()
      }
    } finally {
      c.end(true)
      await served.stop()
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
