/**
 * subscriptionsByTopic's answers kept in memory (the persistence's topic
 * cache), on a real Redis: two persistences on one store, each on its own
 * broker, the brokers sharing one message bus (as mqemitter-redis shares one
 * between processes). An answer kept by one broker never outlives a
 * subscription change made through the other, or through itself while the
 * answer was being read; without a bus nothing is kept.
 */
import mqemitter from 'mqemitter'
import { afterEach, describe, expect, it } from 'vitest'
import { aedesPersistence, type RedisPersistence } from '../../../src/hosts/aedes/redis-persistence.js'
import { useRedis } from '../../support/redis.js'

const redis = useRedis()
let run = 0
const open: RedisPersistence[] = []

type Emitter = ReturnType<typeof mqemitter>

/** A broker as aedes-persistence's contract suite builds one: an id, a counter, and publish/subscribe on a shared bus. */
function brokerOn(mq: Emitter | null, id: string): Record<string, unknown> {
  if (mq === null) return { id, counter: 0 }
  return { id, counter: 0, publish: mq.emit.bind(mq), subscribe: mq.on.bind(mq), unsubscribe: mq.removeListener.bind(mq) }
}

async function persistences(bus: 'shared' | 'none'): Promise<[RedisPersistence, RedisPersistence]> {
  const prefix = `cache${++run}:`
  const mq = bus === 'shared' ? mqemitter() : null
  const made: RedisPersistence[] = []
  for (const id of ['b1', 'b2']) {
    const p = aedesPersistence({ redis: redis.url, prefix, seedBrokerCounter: false })
    await p.setup(brokerOn(mq, id) as never)
    open.push(p)
    made.push(p)
  }
  return made as [RedisPersistence, RedisPersistence]
}

const clientsOf = async (p: RedisPersistence, topic: string): Promise<string[]> => (await p.subscriptionsByTopic(topic)).map((s) => s.clientId ?? '').sort()

afterEach(async () => {
  while (open.length > 0) await open.pop()?.destroy()
})

describe('subscriptionsByTopic answers kept in memory', () => {
  it('one broker adds and removes a subscription: the other answers with it, then without it', async () => {
    const [b1, b2] = await persistences('shared')
    expect(await clientsOf(b1, 'dev/7/cmd')).toEqual([])
    await b2.addSubscriptions({ id: 'c2' }, [{ topic: 'dev/+/cmd', qos: 1 }])
    expect(await clientsOf(b1, 'dev/7/cmd')).toEqual(['c2'])
    await b2.removeSubscriptions({ id: 'c2' }, ['dev/+/cmd'])
    expect(await clientsOf(b1, 'dev/7/cmd')).toEqual([])
  })

  it('an answer read while a subscription is being added is not kept', async () => {
    const [b1] = await persistences('shared')
    const reads: Array<Promise<string[]>> = []
    const adding = b1.addSubscriptions({ id: 'c1' }, [{ topic: 'a/#', qos: 1 }])
    for (let i = 0; i < 20; i++) reads.push(clientsOf(b1, 'a/b'))
    await Promise.all([adding, ...reads])
    expect(await clientsOf(b1, 'a/b')).toEqual(['c1'])
  })

  it('repeated answers come from memory, as copies a caller may change', async () => {
    const [b1] = await persistences('shared')
    await b1.addSubscriptions({ id: 'c1' }, [{ topic: 'x/y', qos: 1 }])
    const first = await b1.subscriptionsByTopic('x/y')
    // Behind the persistences' back, so only an answer from Redis would see it.
    await redis.client.del(...(await redis.client.keys(`cache${run}:*`)))
    const second = await b1.subscriptionsByTopic('x/y')
    expect(second).toEqual(first)
    ;(second[0] as { qos: number }).qos = 2
    expect((await b1.subscriptionsByTopic('x/y'))[0]?.qos).toBe(1)
  })

  it('without a bus to tell the other brokers, nothing is kept', async () => {
    const [b1, b2] = await persistences('none')
    expect(await clientsOf(b1, 'dev/7/cmd')).toEqual([])
    await b2.addSubscriptions({ id: 'c2' }, [{ topic: 'dev/+/cmd', qos: 1 }])
    expect(await clientsOf(b1, 'dev/7/cmd')).toEqual(['c2'])
  })
})
