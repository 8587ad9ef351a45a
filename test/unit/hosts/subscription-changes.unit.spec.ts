import mqemitter from 'mqemitter'
import { describe, expect, it } from 'vitest'
import { SUBSCRIPTIONS_CHANGED, SubscriptionChanges, type NoticeBus } from '../../../src/hosts/aedes/subscription-changes.js'

/** Aedes' publish/subscribe over a real mqemitter, as the broker gives it. */
function busOf(mq: ReturnType<typeof mqemitter>): NoticeBus {
  return { publish: mq.emit.bind(mq), subscribe: mq.on.bind(mq), unsubscribe: mq.removeListener.bind(mq) } as unknown as NoticeBus
}

describe('SubscriptionChanges', () => {
  it('sends one notice for the announce calls of one burst, after the last of them, and one per later burst', async () => {
    const mq = mqemitter()
    const bus = busOf(mq)
    const seen: string[] = []
    const heard = (packet: { payload?: unknown }, cb: () => void): void => {
      seen.push(String(packet.payload))
      cb()
    }
    await new Promise<void>((r) => bus.subscribe(SUBSCRIPTIONS_CHANGED, heard, () => r()))
    let invalidated = 0
    const changes = new SubscriptionChanges(bus, 'b1', () => void invalidated++, (err) => {
      throw err
    })
    await changes.start()
    // Three changes in one burst: one notice, sent only once all three have asked.
    const order: string[] = []
    const burst = [changes.announce(), changes.announce(), changes.announce()]
    order.push('all asked')
    expect(seen).toEqual([])
    await Promise.all(burst.map((p) => p.then(() => order.push('resolved'))))
    expect(seen).toEqual(['b1:1'])
    expect(order[0]).toBe('all asked')
    expect(changes.notices).toBe(1)
    // A later change gets a notice of its own (the first one went out before it).
    await changes.announce()
    expect(seen).toEqual(['b1:1', 'b1:2'])
    expect(invalidated).toBe(2)
    await changes.stop()
  })

  it('resolves a burst whose notice cannot be sent, and reports the error', async () => {
    const errors: string[] = []
    const failing: NoticeBus = {
      publish: (_p, done) => done(new Error('bus down')),
      subscribe: (_t, _h, done) => done(),
      unsubscribe: (_t, _h, done) => done(),
    }
    const changes = new SubscriptionChanges(failing, 'b1', () => undefined, (err) => void errors.push(err.message))
    await changes.start()
    await Promise.all([changes.announce(), changes.announce()])
    expect(errors).toEqual(['bus down'])
    await changes.stop()
  })
})
