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
import { enqueueActions, setup } from 'xstate'
import type { DomainEvent, DomainEventDraft } from '../src/events/domain.js'
import type { InputEvent } from '../src/events/input.js'

export interface SessionInput {
  readonly clientId: string
  readonly node: string
  /** The last sequence number this session used; 0 for a new session. */
  readonly seq?: number
}

export interface SessionContext {
  readonly clientId: string
  readonly node: string
  seq: number
  connectionId: string | null
}

/**
 * The domain events an input produces once the machine has decided to accept
 * it (the transitions below decide whether it is accepted).
 */
export function decide(event: InputEvent): DomainEventDraft[] {
  switch (event.type) {
    case 'mqtt.connect': {
      const { connectionId, username, cleanStart, protocolVersion } = event
      return [{ type: 'ClientConnected', data: { connectionId, username, cleanStart, protocolVersion } }]
    }
    case 'mqtt.disconnect':
      return [{ type: 'ClientDisconnected', data: { connectionId: event.connectionId, reason: event.reason } }]
    case 'mqtt.subscribe':
      return [{ type: 'SubscriptionAdded', data: { filter: event.filter, qos: event.qos, options: event.options } }]
    case 'mqtt.unsubscribe':
      return [{ type: 'SubscriptionRemoved', data: { filter: event.filter } }]
    case 'mqtt.publish':
      if (!event.retain) return []
      // [MQTT-3.3.1-10] a retained PUBLISH with an empty payload removes the retained message.
      return event.payload.length === 0
        ? [{ type: 'RetainedMessageCleared', data: { topic: event.topic } }]
        : [{ type: 'RetainedMessageSet', data: { msgId: event.msgId, topic: event.topic, qos: event.qos, payload: event.payload } }]
    default:
      // deliver, ack and drop change no Redis state of this layout (yet).
      return []
  }
}

export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as InputEvent,
    input: {} as SessionInput,
    emitted: {} as DomainEvent,
  },
  actions: {
    /** Stamp what `decide` returns with this session's metadata and emit it, in order. */
    record: enqueueActions(({ context, event, enqueue }) => {
      const drafts = decide(event)
      if (drafts.length === 0) return
      let seq = context.seq
      for (const draft of drafts) {
        seq += 1
        const meta = { clientId: context.clientId, node: context.node, seq, at: event.at }
        enqueue.emit({ ...draft, meta } as DomainEvent)
      }
      const last = seq
      enqueue.assign({ seq: last })
    }),
    holdConnection: enqueueActions(({ event, enqueue }) => {
      if (event.type === 'mqtt.connect') enqueue.assign({ connectionId: event.connectionId })
    }),
    releaseConnection: enqueueActions(({ enqueue }) => {
      enqueue.assign({ connectionId: null })
    }),
  },
  guards: {
    isCurrentConnection: ({ context, event }) => event.type === 'mqtt.disconnect' && event.connectionId === context.connectionId,
  },
}).createMachine({
  id: 'session',
  context: ({ input }) => ({ clientId: input.clientId, node: input.node, seq: input.seq ?? 0, connectionId: null }),
  initial: 'offline',
  on: {
    'mqtt.subscribe': { actions: 'record' },
    'mqtt.unsubscribe': { actions: 'record' },
    'mqtt.publish': { actions: 'record' },
  },
  states: {
    offline: {
      on: {
        'mqtt.connect': { target: 'online', actions: ['holdConnection', 'record'] },
        // A disconnect while offline is a duplicate: nothing changes.
      },
    },
    online: {
      on: {
        // Takeover: the new connection replaces the old one; the client stays online.
        'mqtt.connect': { actions: ['holdConnection', 'record'] },
        // A disconnect of a replaced connection fails the guard and changes nothing.
        'mqtt.disconnect': { guard: 'isCurrentConnection', target: 'offline', actions: ['releaseConnection', 'record'] },
      },
    },
  },
})

export type SessionMachine = typeof sessionMachine
