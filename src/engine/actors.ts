/**
 * The session actors: one XState actor per clientId, created on the client's
 * first event. `step` sends one input to its actor and returns, synchronously,
 * the domain events the actor emitted for it.
 *
 * Passivation (src/engine/passivation.ts): an actor whose session is offline
 * and clean, idle for `idleMs` (or at once while live actors exceed
 * `maxLive`), is stopped and dropped; only its seq is kept. The client's next
 * event recreates it from that seq, within the same synchronous `step`, and
 * it emits exactly what the old actor would have. The checks piggyback on
 * `step` (a few per step); `passivateIdle()` is there for a timer to call
 * while no input arrives. Pass `false` to keep every actor until `stopAll`.
 */
import { createActor, type Actor } from 'xstate'
import { sessionMachine, type SessionDecided } from '../../machines/session.machine.js'
import { supervisorLogic } from '../../machines/supervisor.logic.js'
import type { DomainEvent, ObservedEvent } from '../events/domain.js'
import type { InputEvent } from '../events/input.js'
import { DEFAULT_OFFLINE_RULES, type OfflineRules } from '../offline/rules.js'
import { PassivationState, passivationPolicy, restorableSeq, type PassivationOptions } from './passivation.js'

export type { PassivationOptions } from './passivation.js'

type SessionActor = Actor<typeof sessionMachine>

export class SessionActors {
  private readonly actors = new Map<string, SessionActor>()
  /** The parent of every session actor: they share its actor system (machines/supervisor.logic.ts). */
  private readonly supervisor = createActor(supervisorLogic).start()
  /** What the actor being stepped emitted; null until it emits. */
  private collected: DomainEvent[] | null = null
  /** One listener shared by every actor (not a closure per actor). */
  private readonly collect = (e: SessionDecided): void => {
    this.collected = e.events
  }
  private readonly passivation: PassivationState | null
  private passivationCount = 0
  private rehydrationCount = 0

  constructor(
    private readonly node: string,
    private readonly rules: OfflineRules = DEFAULT_OFFLINE_RULES,
    /** Observed events the sessions record, for the hook rules that listen to them. */
    private readonly observe: ReadonlySet<ObservedEvent['type']> = new Set(),
    /** When idle offline actors are passivated; `false` turns passivation off. */
    passivation: PassivationOptions | false = {},
  ) {
    this.passivation = passivation === false ? null : new PassivationState(passivationPolicy(passivation))
  }

  /** Live actors. */
  get size(): number {
    return this.actors.size
  }

  /** Sessions whose actor is passivated: only their seq is in memory. */
  get passivated(): number {
    return this.passivation?.passivated ?? 0
  }

  /** Actors passivated so far (a session passivated twice counts twice). */
  get passivations(): number {
    return this.passivationCount
  }

  /** Actors recreated from a passivated session's seq so far. */
  get rehydrations(): number {
    return this.rehydrationCount
  }

  /** Feed one input to its client's actor and return what the actor emitted. */
  step(input: InputEvent): DomainEvent[] {
    const clientId = input.clientId
    const actor = this.actorFor(clientId)
    this.collected = null
    actor.send(input)
    // An input the machine does not accept in its state (a stale disconnect) emits nothing.
    const out = this.collected ?? []
    this.collected = null
    const snapshot = actor.getSnapshot()
    if (snapshot.status === 'error') {
      // A failing step is a bug. A root actor would report it as an uncaught
      // error; a child reports to its parent, which has no use for it, so it
      // is reported here the same way. The failed actor accepts nothing more:
      // it is dropped, and the client's next input gets a new one, from the
      // seq it had reached when passivation keeps seqs.
      this.actors.delete(clientId)
      this.passivation?.asleep(clientId, snapshot.context.seq)
      const err: unknown = snapshot.error
      setTimeout(() => {
        throw err
      })
      return out
    }
    const p = this.passivation
    if (p) {
      const now = p.policy.clock()
      p.touched(clientId, restorableSeq(snapshot) !== null, now)
      this.passivateDue(p, now, p.policy.maxPerStep)
    }
    return out
  }

  /**
   * Passivate every actor that is due (idle long enough, or past the cap),
   * with no per-step bound; for a timer to call while no input arrives.
   * Returns how many were passivated.
   */
  passivateIdle(): number {
    const p = this.passivation
    return p ? this.passivateDue(p, p.policy.clock(), Infinity) : 0
  }

  /** Is the client online according to its actor? (Used by tests and inspection.) */
  stateOf(clientId: string): 'online' | 'offline' | 'unknown' {
    const a = this.actors.get(clientId)
    if (!a) return this.passivation?.isAsleep(clientId) ? 'offline' : 'unknown'
    return a.getSnapshot().value === 'online' ? 'online' : 'offline'
  }

  stopAll(): void {
    for (const a of this.actors.values()) this.supervisor.send({ type: 'session.stop', child: a })
    this.actors.clear()
    this.passivation?.clear()
  }

  private passivateDue(p: PassivationState, now: number, limit: number): number {
    let n = 0
    while (n < limit) {
      const clientId = p.takeDue(now, this.actors.size)
      if (clientId === undefined) break
      const actor = this.actors.get(clientId)
      if (!actor) continue
      // Only clean offline actors are in the idle order, and only a step changes an actor.
      const seq = restorableSeq(actor.getSnapshot())
      if (seq === null) continue
      this.supervisor.send({ type: 'session.stop', child: actor })
      this.actors.delete(clientId)
      p.asleep(clientId, seq)
      n += 1
    }
    this.passivationCount += n
    return n
  }

  private actorFor(clientId: string): SessionActor {
    let actor = this.actors.get(clientId)
    if (!actor) {
      const seq = this.passivation?.wake(clientId)
      if (seq !== undefined) this.rehydrationCount += 1
      const input = { clientId, node: this.node, rules: this.rules, observe: this.observe }
      actor = createActor(sessionMachine, { input: seq === undefined ? input : { ...input, seq }, parent: this.supervisor })
      actor.on('session.decided', this.collect)
      actor.start()
      this.actors.set(clientId, actor)
    }
    return actor
  }
}
