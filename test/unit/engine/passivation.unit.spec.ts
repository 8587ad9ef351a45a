import { describe, expect, it } from 'vitest'
import { SessionActors } from '../../../src/engine/actors.js'
import type { PassivationOptions } from '../../../src/engine/passivation.js'
import { connect, disconnect, subscribe, unsubscribe } from '../support/inputs.js'

/** SessionActors on a clock the test moves. */
function setup(options: Omit<PassivationOptions, 'clock'> = {}) {
  const t = { now: 1_000_000 }
  const actors = new SessionActors('n1', undefined, undefined, { idleMs: 1000, ...options, clock: () => t.now })
  return { actors, t }
}

/** Connect and disconnect a client: its session is offline and clean, with seq 2. */
function cycle(actors: SessionActors, clientId: string, at = 1000): void {
  actors.step(connect(clientId, `k-${clientId}`, at))
  actors.step(disconnect(clientId, `k-${clientId}`, at))
}

describe('passivation rules', () => {
  it('passivates an offline session once it has been idle for idleMs, not before', () => {
    const { actors, t } = setup()
    cycle(actors, 'c1')
    t.now += 999
    expect(actors.passivateIdle()).toBe(0)
    expect(actors.size).toBe(1)
    t.now += 1
    expect(actors.passivateIdle()).toBe(1)
    expect(actors.size).toBe(0)
    expect(actors.passivated).toBe(1)
    expect(actors.stateOf('c1')).toBe('offline')
    expect(actors.stateOf('nobody')).toBe('unknown')
  })

  it('rehydrates on the next event with the seq the session had', () => {
    const { actors, t } = setup()
    cycle(actors, 'c1')
    t.now += 5000
    actors.passivateIdle()
    const out = actors.step(connect('c1', 'k2', 7000))
    expect(out).toEqual([expect.objectContaining({ type: 'ClientConnected', meta: { clientId: 'c1', node: 'n1', seq: 3, at: 7000 } })])
    expect(actors.passivated).toBe(0)
    expect(actors.size).toBe(1)
    expect(actors.rehydrations).toBe(1)
    expect(actors.stateOf('c1')).toBe('online')
  })

  it('never passivates an online session, however long idle and however far past the cap', () => {
    const { actors, t } = setup({ maxLive: 0 })
    actors.step(connect('c1', 'k1'))
    actors.step(subscribe('c1', 'queue/#'))
    t.now += 3_600_000
    expect(actors.passivateIdle()).toBe(0)
    actors.step(connect('c2', 'k2'))
    expect(actors.size).toBe(2)
    expect(actors.passivated).toBe(0)
    expect(actors.stateOf('c1')).toBe('online')
  })

  it('a stale disconnect does not take a session offline, so it is not passivated', () => {
    const { actors, t } = setup()
    actors.step(connect('c1', 'k1'))
    actors.step(connect('c1', 'k2')) // takeover
    actors.step(disconnect('c1', 'k1')) // the replaced connection, late
    t.now += 10_000
    expect(actors.passivateIdle()).toBe(0)
    expect(actors.stateOf('c1')).toBe('online')
  })

  it('piggybacks on steps: any client\'s step passivates the actors that are due', () => {
    const { actors, t } = setup()
    cycle(actors, 'c1')
    cycle(actors, 'c2')
    t.now += 1000
    actors.step(connect('c3', 'k3'))
    expect(actors.passivated).toBe(2)
    expect(actors.size).toBe(1)
  })

  it('an event restarts the idle time', () => {
    const { actors, t } = setup()
    cycle(actors, 'c1')
    t.now += 900
    actors.step(disconnect('c1', 'k-old')) // a duplicate: emits nothing, but it is activity
    t.now += 900
    expect(actors.passivateIdle()).toBe(0)
    t.now += 100
    expect(actors.passivateIdle()).toBe(1)
  })

  it('keeps an offline session live while it holds filters of its own, and passivates it once it is clean', () => {
    const { actors, t } = setup()
    actors.step(subscribe('c1', 'a/#')) // reported while offline: the filter is active
    t.now += 10_000
    expect(actors.passivateIdle()).toBe(0)
    actors.step(unsubscribe('c1', 'a/#'))
    t.now += 1000
    expect(actors.passivateIdle()).toBe(1)
  })

  it('past the cap, passivates the oldest offline sessions at once, whatever their age', () => {
    const { actors, t } = setup({ idleMs: 1_000_000, maxLive: 2 })
    actors.step(connect('on', 'k'))
    cycle(actors, 'c1')
    t.now += 1
    cycle(actors, 'c2')
    // Three live actors: the oldest offline one goes.
    expect(actors.size).toBe(2)
    expect(actors.passivated).toBe(1)
    expect(actors.step(connect('c2', 'k9')).map((e) => e.meta.seq)).toEqual([3])
    // Over the cap again with no offline actor live: c3 goes as soon as it is offline; online c2 stays.
    cycle(actors, 'c3')
    expect(actors.stateOf('c2')).toBe('online')
    expect(actors.size).toBe(2)
    expect(actors.passivated).toBe(2) // c1 and c3
  })

  it('passivates at most maxPerStep actors in one step; passivateIdle has no such bound', () => {
    const { actors, t } = setup({ maxPerStep: 3 })
    for (let i = 0; i < 10; i++) cycle(actors, `c${i}`)
    t.now += 1000
    actors.step(connect('x', 'k'))
    expect(actors.passivated).toBe(3)
    actors.step(connect('x', 'k'))
    expect(actors.passivated).toBe(6)
    expect(actors.passivateIdle()).toBe(4)
    expect(actors.size).toBe(1)
  })

  it('with passivation off, actors live until stopAll', () => {
    const actors = new SessionActors('n1', undefined, undefined, false)
    cycle(actors, 'c1')
    expect(actors.passivateIdle()).toBe(0)
    expect(actors.size).toBe(1)
    expect(actors.passivated).toBe(0)
  })

  it('stopAll forgets passivated sessions too', () => {
    const { actors, t } = setup()
    cycle(actors, 'c1')
    t.now += 1000
    actors.passivateIdle()
    actors.stopAll()
    expect(actors.passivated).toBe(0)
    expect(actors.stateOf('c1')).toBe('unknown')
  })
})
