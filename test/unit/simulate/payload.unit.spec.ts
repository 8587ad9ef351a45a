import { describe, expect, it } from 'vitest'
import { deviceTopics } from '../../../src/simulate/clients.js'
import { malformedPublish, telemetry } from '../../../src/simulate/payload.js'
import { createRandom } from '../../../src/simulate/random.js'
import { emptyCounters, summaryLine } from '../../../src/simulate/stats.js'

describe('telemetry payloads', () => {
  it('have the fields of the demo: message, clientId, duration, temp 0-50, hum 0-100', () => {
    const r = createRandom(1)
    for (let i = 0; i < 1000; i++) {
      const t = telemetry(r, 'sim-3', 12_345 + i)
      expect(Object.keys(t).sort()).toEqual(['clientId', 'duration', 'hum', 'message', 'temp'])
      expect(t.clientId).toBe('sim-3')
      expect(t.duration).toMatch(/^\d+s$/)
      expect(t.temp).toBeGreaterThanOrEqual(0)
      expect(t.temp).toBeLessThan(50)
      expect(t.hum).toBeGreaterThanOrEqual(0)
      expect(t.hum).toBeLessThan(100)
    }
    expect(telemetry(createRandom(1), 'x', 12_345).duration).toBe('12s')
  })

  it('are the same for the same seed', () => {
    const a = createRandom(9)
    const b = createRandom(9)
    for (let i = 0; i < 20; i++) expect(telemetry(a, 'd', 0)).toEqual(telemetry(b, 'd', 0))
  })

  it('round-trip through JSON as the statistics rule reads ${payload.temp}', () => {
    const t = telemetry(createRandom(2), 'sim-0', 0)
    const parsed: unknown = JSON.parse(JSON.stringify(t))
    expect(parsed).toEqual(t)
  })
})

describe('the malformed publish', () => {
  it('is a PUBLISH with both QoS bits set and a consistent remaining length', () => {
    const b = malformedPublish()
    expect(b[0]! >> 4).toBe(3)
    expect((b[0]! >> 1) & 0b11).toBe(3)
    expect(b[1]).toBe(b.length - 2)
  })
})

describe('device topics', () => {
  it('publish telemetry where the statistics rule looks, and misbehave where the broker refuses', () => {
    const t = deviceTopics('sim-2')
    expect(t.telemetry).toBe('store-last-message/sim-2')
    expect(t.drop).toBe('message-drop-test/sim-2')
    expect(t.pubsub.startsWith('pubsub/')).toBe(true)
    expect(t.queue.startsWith('queue/')).toBe(true)
    expect(t.forbidden.startsWith('$SYS/')).toBe(true)
    expect(t.wildcard).toContain('+')
  })
})

describe('the summary line', () => {
  it('names every counter', () => {
    const c = { ...emptyCounters(), sent: 10, acked: 8, received: 4, reconnects: 1, bad: 1, errors: 0, skipped: 2 }
    expect(summaryLine(2, { devicesOnline: 4, devices: 5, subscribersOnline: 1, subscribers: 2 }, c)).toBe(
      'simulate 2.0s: devices 4/5 online, subscribers 1/2 online, sent 10, acked 8, received 4, reconnects 1, bad 1, errors 0, skipped 2',
    )
  })
})
