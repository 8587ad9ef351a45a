import { afterEach, describe, expect, it, vi } from 'vitest'
import { createActor } from 'xstate'
import { sessionMachine, type SessionDecided } from '../../../machines/session.machine.js'
import { supervisorLogic } from '../../../machines/supervisor.logic.js'
import { SessionActors } from '../../../src/engine/actors.js'
import type { DomainEvent } from '../../../src/events/domain.js'
import type { InputEvent } from '../../../src/events/input.js'
import { connect, disconnect, subscribe } from '../support/inputs.js'

function child(parent: ReturnType<typeof createActor<typeof supervisorLogic>>, clientId: string) {
  const actor = createActor(sessionMachine, { input: { clientId, node: 'n1' }, parent })
  const emitted: DomainEvent[] = []
  actor.on('session.decided', (e: SessionDecided) => emitted.push(...e.events))
  actor.start()
  return { actor, emitted }
}

describe('supervisor: the parent of every session actor', () => {
  it('its children share its actor system instead of building one each', () => {
    const sup = createActor(supervisorLogic).start()
    const a = child(sup, 'c1').actor
    const b = child(sup, 'c2').actor
    expect(a.system).toBe(sup.system)
    expect(b.system).toBe(sup.system)
    expect(createActor(sessionMachine, { input: { clientId: 'c3', node: 'n1' } }).system).not.toBe(sup.system)
  })

  it('stops a child on session.stop: the child takes no more input and emits nothing', () => {
    const sup = createActor(supervisorLogic).start()
    const { actor, emitted } = child(sup, 'c1')
    actor.send(connect('c1', 'k1'))
    expect(emitted.map((e) => e.type)).toEqual(['ClientConnected'])
    sup.send({ type: 'session.stop', child: actor })
    expect(actor.getSnapshot().status).toBe('stopped')
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    try {
      actor.send(disconnect('c1', 'k1'))
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/sent to stopped actor/))
    } finally {
      warn.mockRestore()
    }
    expect(emitted.map((e) => e.type)).toEqual(['ClientConnected'])
  })

  it('a child cannot be stopped directly (which is why the supervisor does it)', () => {
    const sup = createActor(supervisorLogic).start()
    const { actor } = child(sup, 'c1')
    expect(() => actor.stop()).toThrow(/non-root actor/)
  })

  it('ignores what else reaches it (a child failing reports to its parent)', () => {
    const sup = createActor(supervisorLogic).start()
    sup.send({ type: 'xstate.error.actor.x' } as never)
    expect(sup.getSnapshot().status).toBe('active')
  })
})

describe('SessionActors: a step that fails', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('is reported as an uncaught error, emits nothing, and the client gets a new actor that keeps its seq', () => {
    vi.useFakeTimers()
    const actors = new SessionActors('n1')
    actors.step(subscribe('c1', 'a'))
    const seqBefore = actors.step(subscribe('c1', 'b'))[0]?.meta.seq
    expect(seqBefore).toBe(2)
    // A retained publish without a payload: decide reads its length and throws (a host bug the boundary would reject).
    const broken = { ...connect('c1', 'k'), type: 'mqtt.publish', topic: 't', qos: 1, retain: true, msgId: 'm1', payload: undefined, expiryIntervalSec: null } as unknown as InputEvent
    expect(actors.step(broken)).toEqual([])
    expect(() => vi.runAllTimers()).toThrow(TypeError)
    expect(actors.size).toBe(0)
    const next = actors.step(connect('c1', 'k2'))
    expect(next.map((e) => [e.type, e.meta.seq])).toEqual([['ClientConnected', 3]])
    expect(actors.stateOf('c1')).toBe('online')
  })
})
