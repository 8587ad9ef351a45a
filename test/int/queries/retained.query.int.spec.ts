import { beforeAll, describe, expect, it } from 'vitest'
import { createEngine } from '../../../src/engine/engine.js'
import { lookupRetained, matchingRetainedTopics } from '../../../src/queries/retained.query.js'
import { createKeys } from '../../../src/redis/keys.js'
import { createLogger } from '../../../src/util/logger.js'
import { useRedis } from '../../support/redis.js'

const redis = useRedis()
const keys = createKeys('rq:')
const topics = ['a', 'a/b', 'a/b/c', 'a/x/c', 'ab/c', '$SYS/broker/x', 'b/ü/c', 'a/']

beforeAll(async () => {
  const engine = createEngine({ redis: redis.url, prefix: keys.prefix, node: 'n1', logger: createLogger({ level: 'silent' }) })
  for (const t of topics) await engine.submit({ type: 'mqtt.publish', clientId: 'p', topic: t, payload: `v:${t}`, qos: 1, retain: true })
  // A few thousand more, so a wide lookup has to page through the index.
  const many = []
  for (let i = 0; i < 2500; i++) many.push(engine.submit({ type: 'mqtt.publish', clientId: 'p', topic: `many/${i}`, payload: 'x', qos: 0, retain: true }))
  await Promise.all(many)
  await engine.close()
})

describe('retained lookup through the index', () => {
  it.each([
    ['a/b', ['a/b']],
    ['a/+/c', ['a/b/c', 'a/x/c']],
    ['a/#', ['a', 'a/', 'a/b', 'a/b/c', 'a/x/c']],
    ['+/b', ['a/b']],
    ['+/+/c', ['a/b/c', 'a/x/c', 'b/ü/c']],
    ['a/+', ['a/', 'a/b']],
    ['$SYS/#', ['$SYS/broker/x']],
    ['nothing/+', []],
  ])('%s matches %j', async (filter, expected) => {
    expect((await matchingRetainedTopics(redis.client, keys, filter)).sort()).toEqual([...expected].sort())
  })

  it('a leading wildcard does not match $ topics [MQTT-4.7.2-1], and paging finds every topic', async () => {
    const all = await matchingRetainedTopics(redis.client, keys, '#')
    expect(all).not.toContain('$SYS/broker/x')
    expect(all.length).toBe(topics.length - 1 + 2500)
    expect((await matchingRetainedTopics(redis.client, keys, 'many/+')).length).toBe(2500)
  })

  it('returns the stored messages with their payloads', async () => {
    const found = await lookupRetained(redis.client, keys, 'a/+/c')
    expect(found.map((m) => [m.topic, m.payload.toString(), m.from, m.qos]).sort()).toEqual([
      ['a/b/c', 'v:a/b/c', 'p', 1],
      ['a/x/c', 'v:a/x/c', 'p', 1],
    ])
  })
})
