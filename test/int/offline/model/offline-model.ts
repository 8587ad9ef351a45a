/**
 * The reference model of offline messages: plain TypeScript, no Redis. Its
 * state, the operations that move it, and `predictFetch`, what every subscribe
 * fetch must deliver (the semantics are described in offline.property.int.spec.ts).
 */
import { FILTERS, MODE_OF, type Client, type Mode, type QoS, type Topic } from './world.js'

/**
 * The semantics this test holds the engine to keep a client's pubsub cursor and
 * acked ids across an unsubscribe (only the subscription's start goes). The
 * engine instead applies EMQX's unsubscribe rule (DEL acked:<client>:<topic>,
 * and the cursor of an exact filter), so an acked message comes back after
 * unsubscribe + subscribe. Set to true to model that rule instead.
 */
const UNSUBSCRIBE_FORGETS_ACKS = true

export interface MMsg {
  readonly id: string
  /** The payload, unique per run, e.g. 'm3': what failure messages show. */
  readonly label: string
  readonly topic: Topic
  readonly mode: Mode
  readonly qos: 1 | 2
  /** Publish order (one counter for all stored messages). */
  readonly seq: number
  readonly expiresAt: number
}

export interface ClientModel {
  conn: string | null
  /** Connection ids this client had before the current one (for late disconnects). */
  readonly stale: string[]
  /** Filters subscribed with QoS > 0 on the current connection. */
  readonly active: Set<string>
  /** pubsub subscription starts, by filter. */
  readonly since: Map<string, number>
  /** pubsub: sequence of the last acked message per topic (forward only), and its id. */
  readonly cursor: Map<Topic, number>
  readonly cursorId: Map<Topic, string>
  /** keep-latest: every id acked per topic, and the last one acked. */
  readonly latestAcked: Map<Topic, Set<string>>
  readonly latestLast: Map<Topic, string>
  /** Delivered and not yet acked (queue messages only while this client holds them). */
  readonly pending: Map<string, MMsg>
  // History for the oracle checks (properties 3), independent of the cursor logic above.
  readonly ackedIds: Set<string>
  readonly maxAckedSeq: Map<Topic, number>
}

export interface Model {
  now: number
  seq: number
  nConn: number
  nPub: number
  /** queue and pubsub messages per topic, in publish order; acked queue messages are removed. */
  readonly stored: Map<Topic, MMsg[]>
  /** keep-latest: the newest message per topic. */
  readonly latest: Map<Topic, MMsg>
  /** queue: which consumer holds a message. */
  readonly holder: Map<string, Client>
  readonly byId: Map<string, MMsg>
  readonly clients: Record<Client, ClientModel>
  // History for the oracle checks (property 4).
  readonly consumed: Set<string>
  readonly seenHolder: Map<string, Client>
  /** What happened, for failure messages. */
  readonly log: string[]
}

function newClient(): ClientModel {
  return {
    conn: null,
    stale: [],
    active: new Set(),
    since: new Map(),
    cursor: new Map(),
    cursorId: new Map(),
    latestAcked: new Map(),
    latestLast: new Map(),
    pending: new Map(),
    ackedIds: new Set(),
    maxAckedSeq: new Map(),
  }
}

export function newModel(now: number): Model {
  return {
    now,
    seq: 0,
    nConn: 0,
    nPub: 0,
    stored: new Map(),
    latest: new Map(),
    holder: new Map(),
    byId: new Map(),
    clients: { c1: newClient(), c2: newClient(), c3: newClient() },
    consumed: new Set(),
    seenHolder: new Map(),
    log: [],
  }
}

export const alive = (m: Model, msg: MMsg): boolean => msg.expiresAt > m.now

/** What a subscribe of `c` to `filter` with `qos` fetches, in the model; the model is not changed. */
export function predictFetch(m: Model, c: Client, filter: string, qos: QoS): MMsg[] {
  const cs = m.clients[c]
  if (qos === 0 || cs.active.has(filter)) return []
  const f = FILTERS[filter]
  if (!f) throw new Error(`filter ${filter} is not in FILTERS`)
  if (f.mode === null) return []
  const out: MMsg[] = []
  for (const t of f.topics) {
    switch (f.mode) {
      case 'queue':
        for (const msg of m.stored.get(t) ?? []) {
          const h = m.holder.get(msg.id)
          if (alive(m, msg) && (h === undefined || h === c)) out.push(msg)
        }
        break
      case 'pubsub': {
        // pubsubStart 'oldest': a subscription starts at 0.
        const from = Math.max(cs.cursor.get(t) ?? 0, cs.since.get(filter) ?? 0)
        for (const msg of m.stored.get(t) ?? []) if (msg.seq > from && alive(m, msg)) out.push(msg)
        break
      }
      case 'latest': {
        const msg = m.latest.get(t)
        if (msg && alive(m, msg) && !(cs.latestAcked.get(t)?.has(msg.id) ?? false)) out.push(msg)
        break
      }
    }
  }
  return out
}

export function applySubscribe(m: Model, c: Client, filter: string, qos: QoS, fetched: readonly MMsg[]): void {
  const cs = m.clients[c]
  for (const msg of fetched) {
    if (msg.mode === 'queue') m.holder.set(msg.id, c)
    cs.pending.set(msg.id, msg)
  }
  // Only a QoS > 0 subscription counts as subscribed for fetching (and fixes a pubsub start):
  // a QoS 0 subscription upgraded to QoS 1 on the same connection fetches then.
  if (qos === 0) return
  cs.active.add(filter)
  if (FILTERS[filter]?.mode === 'pubsub' && !cs.since.has(filter)) cs.since.set(filter, 0)
}

export function applyAck(m: Model, c: Client, msg: MMsg): void {
  const cs = m.clients[c]
  cs.pending.delete(msg.id)
  cs.ackedIds.add(msg.id)
  switch (msg.mode) {
    case 'queue': {
      const list = m.stored.get(msg.topic) ?? []
      m.stored.set(msg.topic, list.filter((x) => x.id !== msg.id))
      m.holder.delete(msg.id)
      m.consumed.add(msg.id)
      break
    }
    case 'pubsub':
      cs.maxAckedSeq.set(msg.topic, Math.max(cs.maxAckedSeq.get(msg.topic) ?? 0, msg.seq))
      if (msg.seq > (cs.cursor.get(msg.topic) ?? 0)) {
        cs.cursor.set(msg.topic, msg.seq)
        cs.cursorId.set(msg.topic, msg.id)
      }
      break
    case 'latest': {
      // Only an ack of the topic's current newest message is recorded: a late ack
      // of a superseded message changes nothing.
      if (m.latest.get(msg.topic)?.id !== msg.id) break
      const set = cs.latestAcked.get(msg.topic) ?? new Set<string>()
      set.add(msg.id)
      cs.latestAcked.set(msg.topic, set)
      cs.latestLast.set(msg.topic, msg.id)
      break
    }
  }
}

export function applyDisconnect(m: Model, c: Client): void {
  const cs = m.clients[c]
  if (cs.conn !== null) cs.stale.push(cs.conn)
  cs.conn = null
  cs.active.clear()
  // Queue messages it held go back to the backlog.
  for (const [id, h] of [...m.holder]) if (h === c) m.holder.delete(id)
  for (const [id, h] of [...m.seenHolder]) if (h === c) m.seenHolder.delete(id)
  for (const [id, msg] of [...cs.pending]) if (msg.mode === 'queue') cs.pending.delete(id)
}

export function applyUnsubscribe(m: Model, c: Client, filter: string): void {
  const cs = m.clients[c]
  cs.active.delete(filter)
  cs.since.delete(filter)
  if (UNSUBSCRIBE_FORGETS_ACKS && filter in MODE_OF) {
    const t = filter as Topic
    for (const map of [cs.cursor, cs.cursorId, cs.latestAcked, cs.latestLast, cs.maxAckedSeq]) map.delete(t)
    for (const id of [...cs.ackedIds]) if (m.byId.get(id)?.topic === t && m.byId.get(id)?.mode !== 'queue') cs.ackedIds.delete(id)
  }
}

/** The steps the model saw, for failure messages. */
export function context(m: Model): string {
  return `\n  steps so far: ${m.log.join('; ')}`
}
