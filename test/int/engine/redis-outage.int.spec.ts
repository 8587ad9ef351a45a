import * as E from 'fp-ts/lib/Either.js'
import { firstValueFrom, filter } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { createEngine } from '../../../src/engine/engine.js'
import { createLogger } from '../../../src/util/logger.js'
import { useRedis } from '../../support/redis.js'

const redis = useRedis()

describe('when Redis goes away', () => {
  it('holds at most highWaterMark events in flight, signals pressure, and loses nothing once Redis is back', async () => {
    const engine = createEngine({ redis: redis.url, prefix: 'out:', node: 'n1', highWaterMark: 50, logger: createLogger({ level: 'silent' }) })
    await engine.submit({ type: 'mqtt.subscribe', clientId: 'warm', filter: 'w', qos: 0 })

    await redis.stop()
    const pressured = firstValueFrom(engine.pressure$.pipe(filter((p) => p)))
    const results: Array<Promise<unknown>> = []
    let settled = 0
    for (let i = 0; i < 200; i++) {
      const p = engine.submit({ type: 'mqtt.subscribe', clientId: `c${i}`, filter: `f/${i}`, qos: 1 })
      results.push(p.then((r) => { settled++; return r }))
    }
    await pressured
    // Give the engine a moment to (fail to) write; nothing may be acknowledged meanwhile.
    await new Promise((r) => setTimeout(r, 500))
    expect(settled).toBe(0)
    expect(engine.stats().inFlight).toBeLessThanOrEqual(50)

    await redis.restart()
    const all = await Promise.all(results)
    expect(all.every((r) => E.isRight(r as E.Either<unknown, unknown>))).toBe(true)
    for (let i = 0; i < 200; i++) expect(await redis.client.hget(`out:sub:c${i}`, `f/${i}`)).toBe('1')
    expect(await firstValueFrom(engine.pressure$)).toBe(false)
    await engine.close()
  })
})
