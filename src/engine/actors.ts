/**
 * The session actors: one XState actor per clientId, created on the client's
 * first event. `step` sends one input to its actor and returns, synchronously,
 * the domain events the actor emitted for it.
 */
import { createActor, type Actor } from 'xstate'
import { sessionMachine } from '../../machines/session.machine.js'
import type { DomainEvent, ObservedEvent } from '../events/domain.js'
import type { InputEvent } from '../events/input.js'
import { DEFAULT_OFFLINE_RULES, type OfflineRules } from '../offline/rules.js'

type SessionActor = Actor<typeof sessionMachine>

export class SessionActors {
  private readonly actors = new Map<string, SessionActor>()
  private collecting: DomainEvent[] = []

  constructor(
    private readonly node: string,
    private readonly rules: OfflineRules = DEFAULT_OFFLINE_RULES,
    /** Observed events the sessions record, for the hook rules that listen to them. */
    private readonly observe: ReadonlySet<ObservedEvent['type']> = new Set(),
  ) {}

  get size(): number {
    return this.actors.size
  }

  /** Feed one input to its client's actor and return what the actor emitted. */
  step(input: InputEvent): DomainEvent[] {
    const actor = this.actorFor(input.clientId)
    const out: DomainEvent[] = []
    this.collecting = out
    actor.send(input)
    this.collecting = []
    return out
  }

  /** Is the client online according to its actor? (Used by tests and inspection.) */
  stateOf(clientId: string): 'online' | 'offline' | 'unknown' {
    const a = this.actors.get(clientId)
    if (!a) return 'unknown'
    return a.getSnapshot().value === 'online' ? 'online' : 'offline'
  }

  stopAll(): void {
    for (const a of this.actors.values()) a.stop()
    this.actors.clear()
  }

  private actorFor(clientId: string): SessionActor {
    let actor = this.actors.get(clientId)
    if (!actor) {
      actor = createActor(sessionMachine, { input: { clientId, node: this.node, rules: this.rules, observe: this.observe } })
      actor.on('*', (e) => this.collecting.push(e))
      actor.start()
      this.actors.set(clientId, actor)
    }
    return actor
  }
}
