/**
 * The supervisor: the one root actor of an engine's session actors.
 *
 * Every session actor is created with this actor as its `parent`, so they all
 * share the supervisor's actor system (its scheduler, registry and inspection
 * set) instead of each building one of its own. A root actor's system is
 * about 1.8 KB of closures, maps and sets; shared, an online session costs
 * about 40% less heap (bench/sessions-memory.ts).
 *
 * XState lets only a parent stop its children (`stop()` on a child throws),
 * so passivation asks the supervisor: `{ type: 'session.stop', child }`
 * makes it stop that child through its actor scope, which also unregisters
 * the child from the shared system. It keeps no state of its own and never
 * writes anywhere; the engine's SessionActors (src/engine/actors.ts) keeps the
 * clientId -> actor map.
 */
import type { ActorLogic, AnyActorRef, EventObject, Snapshot } from 'xstate'

export interface StopSession {
  readonly type: 'session.stop'
  readonly child: AnyActorRef
}

export type SupervisorEvent = StopSession

type SupervisorSnapshot = Snapshot<undefined> & { status: 'active' }

const ACTIVE: SupervisorSnapshot = { status: 'active', output: undefined, error: undefined }

export const supervisorLogic: ActorLogic<SupervisorSnapshot, SupervisorEvent> = {
  getInitialSnapshot: () => ACTIVE,
  transition: (snapshot, event: SupervisorEvent | EventObject, scope) => {
    // A child that fails reports here (xstate.error.actor.*); the engine reads
    // a session's failure from its own snapshot, so nothing else comes in.
    if (event.type === 'session.stop') scope.stopChild((event as StopSession).child)
    return snapshot
  },
  getPersistedSnapshot: (snapshot) => snapshot,
}
