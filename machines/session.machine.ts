/**
 * The session machine: one actor per clientId decides which domain events an
 * input event produces. It never writes anywhere; `emit()` is its only way
 * out, and the engine collects what it emits.
 *
 * States:
 * - offline: no live connection is known;
 * - online: `context.connectionId` is the connection the client holds now.
 *
 * Session takeover [MQTT-3.1.4-2]: a connect while online replaces the
 * connection id; the disconnect of the replaced connection, when it arrives
 * late, carries the old id and is ignored, so the client stays online.
 */
import { assign, emit, setup } from 'xstate'
import type { DomainEvent, DomainEventDraft, ObservedEvent } from '../src/events/domain.js'
import type { InputEvent } from '../src/events/input.js'
import { DEFAULT_OFFLINE_RULES, expiresAt, filterFetches, modeOf, type OfflineRules } from '../src/offline/rules.js'

export interface SessionInput {
  readonly clientId: string
  readonly node: string
  /** The last sequence number this session used; 0 for a new session. */
  readonly seq?: number
  /** Which topics' messages are stored, and for how long. */
  readonly rules?: OfflineRules
  /** Observed events to record (hook rules listen to them); none by default. */
  readonly observe?: ReadonlySet<ObservedEvent['type']>
}

export interface SessionContext {
  readonly clientId: string
  readonly node: string
  seq: number
  connectionId: string | null
  readonly rules: OfflineRules
  readonly observe: ReadonlySet<ObservedEvent['type']>
  /** Filters that fetched on the current connection (QoS > 0): a repeat does not fetch again. */
  active: readonly string[]
  /** The current connection fetched from a queue at some point (even if it unsubscribed since). */
  fetchedQueue: boolean
}

/**
 * The domain events an input produces once the machine has decided to accept
 * it (the transitions below decide whether it is accepted).
 */
export function decide(context: SessionContext, event: InputEvent): DomainEventDraft[] {
  switch (event.type) {
    case 'mqtt.connect': {
      const { connectionId, username, cleanStart, protocolVersion } = event
      return [{ type: 'ClientConnected', data: { connectionId, username, cleanStart, protocolVersion } }]
    }
    case 'mqtt.disconnect': {
      // Only a connection that fetched from a queue can hold queue messages.
      return [{ type: 'ClientDisconnected', data: { connectionId: event.connectionId, reason: event.reason, heldQueue: context.fetchedQueue } }]
    }
    case 'mqtt.subscribe': {
      const fetch = event.qos > 0 && !event.resubscribe && !context.active.includes(event.filter)
      // A QoS 0 subscription never fetches, so it does not fix where a pubsub subscription starts either.
      const pubsubStart = event.qos > 0 && filterFetches(context.rules, 'pubsub', event.filter) ? context.rules.pubsubStart : null
      return [{ type: 'SubscriptionAdded', data: { filter: event.filter, qos: event.qos, options: event.options, fetch, pubsubStart } }]
    }
    case 'mqtt.unsubscribe':
      return [{ type: 'SubscriptionRemoved', data: { filter: event.filter } }]
    case 'mqtt.publish':
      return [...published(context.observe, event), ...retained(event), ...stored(context.rules, event)]
    case 'mqtt.ack': {
      const mode = modeOf(context.rules, event.topic)
      if (mode === null || event.msgId === null) return []
      return [{ type: 'MessageAcked', data: { msgId: event.msgId, topic: event.topic, mode } }]
    }
    case 'session.subscribe': {
      const { filter, qos, options, stored } = event
      // The broker restores this subscription itself: nothing is fetched for it.
      return [
        { type: 'SubscriptionAdded', data: { filter, qos, options, fetch: false, pubsubStart: null } },
        { type: 'SessionSubscriptionStored', data: { filter, qos, stored } },
      ]
    }
    case 'session.retain':
      // [MQTT-3.3.1-10] an empty payload removes the retained message.
      return event.payload.length === 0
        ? [{ type: 'RetainedMessageCleared', data: { topic: event.topic } }]
        : [
            { type: 'RetainedMessageSet', data: { msgId: event.msgId, topic: event.topic, qos: event.qos, payload: event.payload } },
            { type: 'RetainedPacketStored', data: { topic: event.topic, packet: event.packet } },
          ]
    case 'session.packet.put': {
      const { box, id, order, messageId, brokerId, packet } = event
      return [{ type: 'SessionPacketStored', data: { box, id, order, messageId, brokerId, packet } }]
    }
    case 'session.packet.delete':
      return [{ type: 'SessionPacketDeleted', data: { box: event.box, id: event.id, messageId: event.messageId } }]
    case 'mqtt.deliver':
    case 'mqtt.drop':
    case 'mqtt.connack':
    case 'mqtt.authz':
      // They change no state the engine keeps: recorded only for the hook rules that listen.
      return observed(context.observe, event)
  }
}

const NO_OBSERVE: ReadonlySet<ObservedEvent['type']> = new Set()

function published(observe: ReadonlySet<ObservedEvent['type']>, event: Extract<InputEvent, { type: 'mqtt.publish' }>): DomainEventDraft[] {
  if (!observe.has('MessagePublished')) return []
  const { topic, qos, msgId, payload } = event
  return [{ type: 'MessagePublished', data: { topic, qos, msgId, reason: null, payload, extra: { retain: String(event.retain) } } }]
}

type ObservedInput = Extract<InputEvent, { type: 'mqtt.deliver' | 'mqtt.drop' | 'mqtt.connack' | 'mqtt.authz' }>

function observed(observe: ReadonlySet<ObservedEvent['type']>, event: ObservedInput): DomainEventDraft[] {
  const none = { topic: null, qos: null, msgId: null, reason: null, payload: null }
  switch (event.type) {
    case 'mqtt.deliver': {
      if (!observe.has('MessageDelivered')) return []
      const extra: Record<string, string> = event.from === null ? {} : { from: event.from }
      return [{ type: 'MessageDelivered', data: { ...none, topic: event.topic, qos: event.qos, msgId: event.msgId, payload: event.payload, extra } }]
    }
    case 'mqtt.drop': {
      const type = event.stage === 'message' ? 'MessageDropped' : 'DeliveryDropped'
      if (!observe.has(type)) return []
      const { topic, qos, msgId, reason, payload } = event
      return [{ type, data: { topic, qos, msgId, reason, payload, extra: {} } }]
    }
    case 'mqtt.connack': {
      if (!observe.has('ConnackSent')) return []
      const code = String(event.reasonCode)
      const extra: Record<string, string> = { reason_code: code, session_present: String(event.sessionPresent) }
      if (event.username !== null) extra['username'] = event.username
      return [{ type: 'ConnackSent', data: { ...none, reason: code, extra } }]
    }
    case 'mqtt.authz':
      if (!observe.has('AuthorizationChecked')) return []
      return [{
        type: 'AuthorizationChecked',
        data: { ...none, topic: event.topic, reason: event.result, extra: { action: event.action, result: event.result, authz_source: event.source } },
      }]
  }
}

function retained(event: Extract<InputEvent, { type: 'mqtt.publish' }>): DomainEventDraft[] {
  if (!event.retain) return []
  // [MQTT-3.3.1-10] a retained PUBLISH with an empty payload removes the retained message.
  return event.payload.length === 0
    ? [{ type: 'RetainedMessageCleared', data: { topic: event.topic } }]
    : [{ type: 'RetainedMessageSet', data: { msgId: event.msgId, topic: event.topic, qos: event.qos, payload: event.payload } }]
}

function stored(rules: OfflineRules, event: Extract<InputEvent, { type: 'mqtt.publish' }>): DomainEventDraft[] {
  // Only QoS 1 and 2 messages are kept for clients that are away; an empty
  // retained publish only clears the retained message [MQTT-3.3.1-10].
  if (event.qos === 0 || (event.retain && event.payload.length === 0)) return []
  const mode = modeOf(rules, event.topic)
  if (mode === null) return []
  const { msgId, topic, qos, payload, retain } = event
  return [{ type: 'MessageStored', data: { msgId, topic, qos, payload, retain, mode, expiresAt: expiresAt(rules, event.at, event.expiryIntervalSec) } }]
}

type Bookkeeping = Partial<Pick<SessionContext, 'connectionId' | 'active' | 'fetchedQueue'>>

/**
 * How an accepted input changes the connection and filter bookkeeping, from
 * the context `decide` saw (it reads the filters and the queue flag before
 * this input: `fetch` of a subscribe, `heldQueue` of a disconnect); null when
 * it changes nothing.
 */
export function bookkeeping(context: SessionContext, event: InputEvent): Bookkeeping | null {
  switch (event.type) {
    case 'mqtt.connect':
      // A new connection starts with no filters of its own. On a takeover the
      // replaced connection never reports its disconnect, so what it held from
      // a queue is still to be released at the next disconnect: keep the flag.
      return { connectionId: event.connectionId, active: [], fetchedQueue: context.connectionId !== null && context.fetchedQueue }
    case 'mqtt.disconnect':
      // Only the current connection's disconnect is accepted (the guard).
      return { connectionId: null, active: [], fetchedQueue: false }
    case 'mqtt.subscribe': {
      // Only a subscription that fetched counts: a QoS 0 subscribe upgraded to QoS 1 fetches then.
      if (event.qos === 0 || context.active.includes(event.filter)) return null
      const queue = !event.resubscribe && filterFetches(context.rules, 'queue', event.filter)
      return { active: [...context.active, event.filter], fetchedQueue: context.fetchedQueue || queue }
    }
    case 'mqtt.unsubscribe':
      return context.active.includes(event.filter) ? { active: context.active.filter((f) => f !== event.filter) } : null
    default:
      return null
  }
}

/**
 * Several inputs of one client in one step, decided in order as if each had
 * been sent alone. Only inputs that take no transition can be in a run:
 * connects and disconnects change the state and are always sent alone.
 * The engine sends a run when inputs of one client arrive together (a burst);
 * one step instead of one per input is the difference (bench/step-costs.ts).
 */
export interface SessionRun {
  readonly type: 'session.run'
  readonly inputs: readonly RunInput[]
}

export type RunInput = Exclude<InputEvent, { type: 'mqtt.connect' | 'mqtt.disconnect' }>

/** Can this input be part of a run? (It takes no transition.) */
export function inRun(input: InputEvent): input is RunInput {
  return input.type !== 'mqtt.connect' && input.type !== 'mqtt.disconnect'
}

/**
 * What a session actor emits: the domain events one input produced, in order
 * (none when it changed nothing the engine records). For a run, `sizes` says
 * how many of them each input produced, in the run's order.
 */
export interface SessionDecided {
  readonly type: 'session.decided'
  readonly events: DomainEvent[]
  readonly sizes?: readonly number[]
}

/**
 * `decide`, remembering its last answer: a step's two actions ask it the same
 * question (the same context and input objects), and the second gets the
 * first's answer. Both objects are immutable, so the answer cannot be stale.
 */
let last: { context: SessionContext; event: InputEvent; drafts: DomainEventDraft[] } | null = null
function decideOnce(context: SessionContext, event: InputEvent): DomainEventDraft[] {
  if (last !== null && last.context === context && last.event === event) return last.drafts
  const drafts = decide(context, event)
  last = { context, event, drafts }
  return drafts
}

/** The domain events `decide` returns, stamped with this session's metadata and the seqs that follow `context.seq`. */
export function stamp(context: SessionContext, event: InputEvent): DomainEvent[] {
  const drafts = decideOnce(context, event)
  const events: DomainEvent[] = new Array(drafts.length)
  let seq = context.seq
  for (let i = 0; i < drafts.length; i++) {
    seq += 1
    events[i] = { ...drafts[i], meta: { clientId: context.clientId, node: context.node, seq, at: event.at } } as DomainEvent
  }
  return events
}

/** The context after an accepted input: the bookkeeping, and seq moved past the events `decide` produced. */
export function record(context: SessionContext, event: InputEvent): Partial<SessionContext> {
  const n = decideOnce(context, event).length
  const next = bookkeeping(context, event)
  last = null
  if (next === null) return n === 0 ? {} : { seq: context.seq + n }
  return n === 0 ? next : { ...next, seq: context.seq + n }
}

interface RunDecision {
  readonly events: DomainEvent[]
  readonly sizes: number[]
  /** The context after the whole run (what `record` assigns). */
  readonly next: Partial<SessionContext>
}

/** A run, decided input by input: each sees the context the ones before it left (as separate steps would). */
function decideRun(context: SessionContext, run: SessionRun): RunDecision {
  const events: DomainEvent[] = []
  const sizes: number[] = new Array(run.inputs.length)
  let ctx = context
  for (let i = 0; i < run.inputs.length; i++) {
    const input = run.inputs[i] as RunInput
    const stamped = stamp(ctx, input)
    for (const e of stamped) events.push(e)
    sizes[i] = stamped.length
    const changed = record(ctx, input)
    if (changed.seq !== undefined || changed.active !== undefined || changed.fetchedQueue !== undefined || changed.connectionId !== undefined) ctx = { ...ctx, ...changed }
  }
  const { seq, active, fetchedQueue, connectionId } = ctx
  return { events, sizes, next: ctx === context ? {} : { seq, active, fetchedQueue, connectionId } }
}

/** `decideRun`, remembering its last answer for the step's second action (as decideOnce does). */
let lastRun: { context: SessionContext; run: SessionRun; decision: RunDecision } | null = null
function decideRunOnce(context: SessionContext, run: SessionRun): RunDecision {
  if (lastRun !== null && lastRun.context === context && lastRun.run === run) return lastRun.decision
  const decision = decideRun(context, run)
  lastRun = { context, run, decision }
  return decision
}

const STEP = ['emitDecided', 'record'] as const
const RUN = ['emitRun', 'recordRun'] as const

export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as InputEvent | SessionRun,
    input: {} as SessionInput,
    emitted: {} as SessionDecided,
  },
  actions: {
    /**
     * Every accepted input runs these two actions, in this order:
     * `emitDecided` emits what `decide` returns, stamped, as one emitted
     * event; `record` then updates the bookkeeping and seq. Both read the
     * context before this input (an emit does not change it); `record` counts
     * the events `decide` gave `emitDecided` (decideOnce). Two plain actions cost
     * about a quarter less than one enqueueActions per step (bench/README.md):
     * this is the engine's hottest path.
     */
    emitDecided: emit(({ context, event }): SessionDecided => {
      const events = stamp(context, event as InputEvent)
      return { type: 'session.decided', events }
    }),
    record: assign(({ context, event }) => record(context, event as InputEvent)),
    /** A run's two actions: the same as a single input's, over the whole run (decideRunOnce). */
    emitRun: emit(({ context, event }): SessionDecided => {
      const { events, sizes } = decideRunOnce(context, event as SessionRun)
      return { type: 'session.decided', events, sizes }
    }),
    recordRun: assign(({ context, event }) => {
      const { next } = decideRunOnce(context, event as SessionRun)
      lastRun = null
      return next
    }),
  },
  guards: {
    isCurrentConnection: ({ context, event }) => event.type === 'mqtt.disconnect' && event.connectionId === context.connectionId,
  },
}).createMachine({
  id: 'session',
  context: ({ input }) => ({
    clientId: input.clientId,
    node: input.node,
    seq: input.seq ?? 0,
    connectionId: null,
    rules: input.rules ?? DEFAULT_OFFLINE_RULES,
    observe: input.observe ?? NO_OBSERVE,
    active: [],
    fetchedQueue: false,
  }),
  initial: 'offline',
  on: {
    'mqtt.subscribe': { actions: STEP },
    'mqtt.unsubscribe': { actions: STEP },
    'mqtt.publish': { actions: STEP },
    'mqtt.ack': { actions: STEP },
    'mqtt.deliver': { actions: STEP },
    'mqtt.drop': { actions: STEP },
    'mqtt.connack': { actions: STEP },
    'mqtt.authz': { actions: STEP },
    'session.subscribe': { actions: STEP },
    'session.retain': { actions: STEP },
    'session.packet.put': { actions: STEP },
    'session.packet.delete': { actions: STEP },
    'session.run': { actions: RUN },
  },
  states: {
    offline: {
      on: {
        'mqtt.connect': { target: 'online', actions: STEP },
        // A disconnect while offline is a duplicate: nothing changes.
      },
    },
    online: {
      on: {
        // Takeover: the new connection replaces the old one; the client stays online.
        'mqtt.connect': { actions: STEP },
        // A disconnect of a replaced connection fails the guard and changes nothing.
        'mqtt.disconnect': { guard: 'isCurrentConnection', target: 'offline', actions: STEP },
      },
    },
  },
})

export type SessionMachine = typeof sessionMachine
