/**
 * Property: for any workload, the Redis state the engine builds live equals
 * the state a replay of its event log builds from nothing (every key: type,
 * value, TTL to the second).
 */
import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createEngine } from '../../../src/engine/engine.js'
import { readEventLog } from '../../../src/log/reader.js'
import { createKeys } from '../../../src/redis/keys.js'
import { applyLog } from '../../../src/replay/apply-log.js'
import { createLogger } from '../../../src/util/logger.js'
import { dumpKeys } from '../../support/dump.js'
import { useRedis } from '../../support/redis.js'

const redis = useRedis()
const logger = createLogger({ level: 'silent' })
let run = 0

const clientId = fc.constantFrom('c1', 'c2', 'c3')
const conn = fc.constantFrom('k1', 'k2')
const topic = fc.constantFrom('queue/a', 'pubsub/a', 'pubsub/b', 'plain/x', 'latest/l')
const filter = fc.constantFrom('queue/a', 'pubsub/#', 'pubsub/+', 'plain/x', '#')
const step = fc.integer({ min: 0, max: 3000 })
const report = fc.oneof(
  fc.record({ type: fc.constant('mqtt.connect'), clientId, connectionId: conn, dt: step }),
  fc.record({ type: fc.constant('mqtt.disconnect'), clientId, connectionId: conn, dt: step }),
  fc.record({ type: fc.constant('mqtt.subscribe'), clientId, filter, qos: fc.constantFrom(0, 1, 2), dt: step }),
  fc.record({ type: fc.constant('mqtt.unsubscribe'), clientId, filter, dt: step }),
  fc.record({
    type: fc.constant('mqtt.publish'), clientId, topic, qos: fc.constantFrom(0, 1, 2), retain: fc.boolean(),
    payload: fc.uint8Array({ maxLength: 5 }), expiryIntervalSec: fc.option(fc.integer({ min: 1, max: 9000 }), { nil: undefined }), dt: step,
  }),
  // An ack of the n-th stored message so far (if any), by some client.
  fc.record({ type: fc.constant('ack'), clientId, n: fc.nat(20), dt: step }),
)

describe('replay equals live', () => {
  it('the dump after FLUSH + replay of the log equals the live dump', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(report, { maxLength: 30 }), fc.constantFrom(1, 2, 7, 1000), fc.boolean(), async (reports, batch, exclusive) => {
        const prefix = `rp${++run}:`
        const dir = mkdtempSync(join(tmpdir(), 'mqtt-redis-rp-'))
        try {
          let at = Date.now()
          const engine = createEngine({ redis: redis.url, prefix, node: 'n1', logger, clock: () => at, sweepIntervalMs: 0, offline: { latest: ['latest/#'] }, log: { dir, durability: { mode: 'never' } } })
          const stored: Array<{ topic: string; msgId: string }> = []
          for (const { dt, ...r } of reports) {
            at += dt
            if (r.type === 'ack') {
              const m = stored[(r as { n: number }).n % Math.max(1, stored.length)]
              if (m) await engine.submit({ type: 'mqtt.ack', clientId: r.clientId, topic: m.topic, msgId: m.msgId, at })
              continue
            }
            const res = await engine.submit({ ...r, at })
            if (E.isRight(res)) for (const e of res.right.events) if (e.type === 'MessageStored') stored.push({ topic: e.data.topic, msgId: e.data.msgId })
          }
          await engine.close()
          const live = await dumpKeys(redis.client, `${prefix}*`)
          const keys = await redis.client.keys(`${prefix}*`)
          if (keys.length > 0) await redis.client.del(...keys)
          await applyLog(redis.client, createKeys(prefix), readEventLog(dir), { batch, exclusive })
          const rebuilt = await dumpKeys(redis.client, `${prefix}*`)
          expect(rebuilt).toEqual(live)
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      }),
      { numRuns: 100 },
    )
  })
})
