/**
 * The soak (`npm run soak`, bench/soak.ts) scaled down to fit the test run:
 * the same runner, with its own redis-server and `mqtt-redis serve` child
 * process, 200 real MQTT connections in two worker threads, 8 s of QoS 1
 * publishing. Nothing the broker acknowledged may be lost, and with no
 * reconnect nothing may arrive twice.
 */
import { describe, expect, it } from 'vitest'
import { runSoak, type SoakSample } from '../../bench/soak/run.js'

describe('soak, scaled down', () => {
  it('200 connections, 8 s of QoS 1 traffic: every connection up, nothing acknowledged lost, no duplicate', { timeout: 60_000 }, async () => {
    const samples: SoakSample[] = []
    const r = await runSoak(
      { connections: 200, durationSec: 8, rate: 400, sharedEverySec: 2, workers: 2, batch: 100, reportEverySec: 2, drainSec: 10, connectPhaseSec: 20 },
      { onSample: (s) => samples.push(s) },
    )
    const context = JSON.stringify({ ...r, samples: undefined }, null, 1)

    // It ran to its end, on every connection.
    expect(r.aborted, context).toBeNull()
    expect(r.limits.limitedBy).toBeNull()
    expect(r.connections).toMatchObject({ requested: 200, attempted: 200, up: 200, failed: 0, dropped: 0, reconnects: 0 })

    // Traffic at the rate asked, all of it acknowledged and delivered once.
    expect(r.direct.sent).toBeGreaterThanOrEqual(0.9 * 400 * 8)
    expect(r.direct.acked, context).toBe(r.direct.sent)
    expect(r.direct.failed).toBe(0)
    expect(r.direct.heldBack + r.direct.overCapacity).toBe(0)
    expect(r.direct.received, context).toBe(r.direct.acked)
    expect(r.shared.acked).toBeGreaterThanOrEqual(4)
    expect(r.shared.expected).toBe(r.shared.acked * 200)
    expect(r.shared.received, context).toBe(r.shared.expected)
    expect(r.drained, context).toBe(true)
    expect(r.lost, context).toBe(0)
    expect(r.duplicates, context).toBe(0)
    expect(r.dupFlag + r.misrouted + r.foreign + r.direct.deliveredUnacked, context).toBe(0)

    // The summary says what it measured.
    for (const l of [r.direct.latency, r.shared.latency]) {
      expect(l.p50Ms).toBeGreaterThan(0)
      expect(l.p99Ms).toBeGreaterThanOrEqual(l.p50Ms as number)
      expect(l.maxMs).toBeGreaterThanOrEqual(l.p99Ms as number)
    }
    expect(r.serveRss.peak).toBeGreaterThan(10 * 1024 * 1024)
    expect(r.serveRss.final).toBeGreaterThan(0)
    expect(r.serveRss.peak).toBeGreaterThanOrEqual(r.serveRss.final as number)
    expect(r.soakRss.peak).toBeGreaterThan(10 * 1024 * 1024)
    // Each connection's client and node entries, each stored message: Redis holds at least the messages.
    expect(r.redis.keys).toBeGreaterThan(r.direct.acked)
    expect(r.redis.usedMemory).toBeGreaterThan(0)
    expect(r.serveExitCode).toBe(0)
    expect(r.errors, context).toEqual([])

    // A sample every 2 s while publishing, with memory over time.
    expect(samples).toEqual(r.samples)
    const publishing = samples.filter((s) => s.phase === 'publishing')
    expect(publishing.length).toBeGreaterThanOrEqual(3)
    for (const s of publishing) {
      expect(s.up).toBe(200)
      expect(s.serveRss).toBeGreaterThan(0)
      expect(s.soakRss).toBeGreaterThan(0)
      expect(s.redisKeys).toBeGreaterThan(0)
    }
    expect(publishing.at(-1)?.sent).toBeGreaterThan(publishing[0]?.sent ?? 0)
  })

  it('publishing from the first SUBACK on, while the new subscriptions fetch their stored messages: nothing acknowledged is lost', { timeout: 60_000 }, async () => {
    // Deliveries from Redis once took the broker's next packet counter, and Aedes then
    // dropped the live deliveries still on their way with older counters (its duplicate
    // check): acknowledged, never delivered. QoS 1 allows the duplicates the fetch makes.
    const r = await runSoak({ connections: 200, durationSec: 6, rate: 400, sharedEverySec: 2, workers: 2, batch: 100, reportEverySec: 2, drainSec: 10, connectPhaseSec: 20, settle: false })
    const context = JSON.stringify({ ...r, samples: undefined }, null, 1)
    expect(r.aborted, context).toBeNull()
    expect(r.connections.up).toBe(200)
    expect(r.direct.acked, context).toBe(r.direct.sent)
    expect(r.drained, context).toBe(true)
    expect(r.lost, context).toBe(0)
    expect(r.direct.received + r.shared.received, context).toBeGreaterThanOrEqual(r.direct.acked + r.shared.expected)
  })
})
