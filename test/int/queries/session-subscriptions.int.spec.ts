/**
 * Session subscriptions by topic, as Aedes asks for them on every QoS 1/2
 * publish: the wildcard filters that could match are asked for by name, and
 * a topic too deep for that reads the whole wildcard index; both give the
 * subscriptions a matcher over every stored filter would.
 */
import type { Client } from 'aedes'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngine, type Engine } from '../../../src/engine/engine.js'
import { aedesPersistence } from '../../../src/hosts/aedes/redis-persistence.js'
import { sessionSubscriptionsByTopic, wildcardCandidates } from '../../../src/queries/session-store.query.js'
import { matches } from '../../../src/topics/topic.js'
import { createLogger } from '../../../src/util/logger.js'
import { useRedis } from '../../support/redis.js'

const redis = useRedis()
let engine: Engine

const FILTERS = ['a/b/c', 'a/+/c', 'a/#', '#', '+/b/#', 'a/b/c/d/e/f/g/h', 'a/+/c/d/e/f/g/+', 'a/b/c/d/#', '$SYS/#', '+/+/+']
const TOPICS = ['a/b/c', 'x/b/y', 'a', 'a/b/c/d/e/f/g/h', 'a/z/c/d/e/f/g/q', '$SYS/x', 'q/r/s']

beforeAll(async () => {
  engine = createEngine({ redis: redis.url, prefix: 'ss:', node: 'n1', logger: createLogger({ level: 'silent' }) })
  const p = aedesPersistence({ engine })
  for (const [i, topic] of FILTERS.entries()) {
    const client = { id: `c${i}` } as unknown as Client
    await p.addSubscriptions(client, [{ clientId: `c${i}`, topic, qos: 1 }])
  }
  await engine.flush()
})
afterAll(async () => engine?.close())

describe('sessionSubscriptionsByTopic', () => {
  it.each(TOPICS)('%s: exactly the stored filters that match, shallow or deep', async (topic) => {
    const got = await sessionSubscriptionsByTopic(engine.redis, engine.keys, topic)
    const want = FILTERS.filter((f) => matches(f, topic))
    expect(got.map((s) => s.topic).sort()).toEqual(want.sort())
    expect(got.every((s) => s.clientId === `c${FILTERS.indexOf(s.topic)}`)).toBe(true)
  })

  it('asks by name for short topics and reads the index for deep ones', () => {
    expect(wildcardCandidates('a/b/c')).not.toBeNull()
    expect(wildcardCandidates('a/b/c/d/e/f/g/h')).toBeNull()
  })
})
