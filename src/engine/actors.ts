/**
 * The session actors: one XState actor per clientId, created on the client's
 * first event. `step` sends one input to its actor and returns, synchronously,
 * the domain events the actor emitted for it. `stepAll` does the same for a
 * burst of inputs: each client's inputs that take no transition, one after
 * another, go to its actor as one run (one step), which decides them in order
 * exactly as separate steps would.
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
import { inRun, sessionMachine, type RunInput, type SessionDecided, type SessionRun } from '../../machines/session.machine.js'
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
  private collected: SessionDecided | null = null
  /** One listener shared by every actor (not a closure per actor). */
  private readonly collect = (e: SessionDecided): void => {
    this.collected = e
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
    return this.send(input.clientId, input)?.events ?? []
  }

  /**
   * Feed a burst of inputs to their actors and return what each input
   * produced, in the inputs' order. Per client the inputs are decided in
   * arrival order; a client's consecutive inputs that take no transition
   * go as one run. A run whose step fails is sent again input by input, so
   * only a failing input is lost (and reported), as with `step`.
   */
  stepAll(inputs: readonly InputEvent[]): DomainEvent[][] {
    const out: DomainEvent[][] = new Array(inputs.length)
    if (inputs.length === 1) {
      out[0] = this.step(inputs[0] as InputEvent)
      return out
    }
    const byClient = new Map<string, number[]>()
    for (let i = 0; i < inputs.length; i++) {
      const clientId = (inputs[i] as InputEvent).clientId
      const mine = byClient.get(clientId)
      if (mine === undefined) byClient.set(clientId, [i])
      else mine.push(i)
    }
    for (const [clientId, indexes] of byClient) {
      let start = 0
      while (start < indexes.length) {
        let end = start
        while (end < indexes.length && inRun(inputs[indexes[end] as number] as InputEvent)) end++
        if (end - start >= 2) this.stepRun(clientId, inputs, indexes.slice(start, end), out)
        else {
          // A single input, or one that takes a transition: sent alone.
          if (end === start) end++
          const i = indexes[start] as number
          out[i] = this.step(inputs[i] as InputEvent)
        }
        start = end
      }
    }
    return out
  }

  private stepRun(clientId: string, inputs: readonly InputEvent[], indexes: readonly number[], out: DomainEvent[][]): void {
    const run: SessionRun = { type: 'session.run', inputs: indexes.map((i) => inputs[i] as RunInput) }
    const decided = this.send(clientId, run, false)
    if (decided === undefined) {
      // The run failed (the actor is dropped): again one at a time, so only the failing input is lost.
      for (const i of indexes) out[i] = this.step(inputs[i] as InputEvent)
      return
    }
    const events = decided?.events ?? []
    const sizes = decided?.sizes ?? []
    let at = 0
    for (let k = 0; k < indexes.length; k++) {
      const n = sizes[k] ?? 0
      out[indexes[k] as number] = events.slice(at, at + n)
      at += n
    }
  }

  /**
   * One step of one actor. Returns what it emitted (null: nothing), or
   * undefined when the step failed: the actor is then dropped, and the
   * failure reported unless `report` is false.
   */
  private send(clientId: string, event: InputEvent | SessionRun, report = true): SessionDecided | null | undefined {
    const actor = this.actorFor(clientId)
    this.collected = null
    actor.send(event)
    // An input the machine does not accept in its state (a stale disconnect) emits nothing.
    const out = this.collected
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
      if (report) {
        setTimeout(() => {
          throw err
        })
      }
      return undefined
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
