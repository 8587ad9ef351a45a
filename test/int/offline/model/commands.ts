/**
 * The commands fast-check draws for the offline property test. Each one drives
 * the engine, moves the reference model the same way, and checks the
 * deliveries right after (settleAndCheck); `check` says when a command applies.
 * `commandArbs` are the arbitraries fc.commands draws them from.
 */
import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { settleAndCheck } from './check-delivery.js'
import { applyAck, applyDisconnect, applySubscribe, applyUnsubscribe, predictFetch, type MMsg, type Model } from './offline-model.js'
import { CLIENTS, EXPIRED_TIME_SEC, FILTERS, FILTER_NAMES, MODE_OF, TOPICS, type Client, type QoS, type Real, type Topic } from './world.js'

export type Cmd = fc.AsyncCommand<Model, Real>

async function submitOk(r: Real, raw: Record<string, unknown>) {
  const res = await r.engine.submit(raw)
  if (E.isLeft(res)) throw new Error(`engine rejected ${JSON.stringify(raw)}: ${res.left.message}`)
  return res.right
}

export class Connect implements Cmd {
  constructor(readonly c: Client) {}
  check = (): boolean => true
  async run(m: Model, r: Real): Promise<void> {
    const cs = m.clients[this.c]
    const connectionId = `${this.c}-k${++m.nConn}`
    m.log.push(`${cs.conn === null ? 'connect' : 'takeover'}(${this.c})`)
    await submitOk(r, { type: 'mqtt.connect', clientId: this.c, connectionId, cleanStart: false, protocolVersion: 5 })
    // A takeover keeps the session (and its queue holds); the new connection has no filters of its own.
    if (cs.conn !== null) cs.stale.push(cs.conn)
    cs.conn = connectionId
    cs.active.clear()
    await settleAndCheck(m, r, null)
  }
  toString = (): string => `connect(${this.c})`
}

export class Subscribe implements Cmd {
  constructor(readonly c: Client, readonly filter: string, readonly qos: QoS) {}
  check = (m: Readonly<Model>): boolean => m.clients[this.c].conn !== null
  async run(m: Model, r: Real): Promise<void> {
    const expected = predictFetch(m, this.c, this.filter, this.qos)
    m.log.push(`${this}`)
    await submitOk(r, { type: 'mqtt.subscribe', clientId: this.c, filter: this.filter, qos: this.qos })
    await settleAndCheck(m, r, { client: this.c, filter: this.filter, qos: this.qos, expected })
    m.log.push(`  -> ${expected.map((x) => x.label).join(',') || 'nothing'}`)
    applySubscribe(m, this.c, this.filter, this.qos, expected)
  }
  toString = (): string => `subscribe(${this.c}, ${this.filter}, q${this.qos})`
}

/** A client coming back: a new connection (a takeover if it is online), then one subscribe. */
export class Session implements Cmd {
  constructor(readonly c: Client, readonly filter: string, readonly qos: QoS) {}
  check = (): boolean => true
  async run(m: Model, r: Real): Promise<void> {
    await new Connect(this.c).run(m, r)
    await new Subscribe(this.c, this.filter, this.qos).run(m, r)
  }
  toString = (): string => `session(${this.c}, ${this.filter}, q${this.qos})`
}

/** Unsubscribes the `pick`-th filter the client subscribed on this connection, or any filter when it has none. */
export class Unsubscribe implements Cmd {
  constructor(readonly c: Client, readonly pick: number) {}
  check = (m: Readonly<Model>): boolean => m.clients[this.c].conn !== null
  async run(m: Model, r: Real): Promise<void> {
    const active = [...m.clients[this.c].active]
    const filter = (active.length > 0 ? active[this.pick % active.length] : FILTER_NAMES[this.pick % FILTER_NAMES.length]) as string
    m.log.push(`unsubscribe(${this.c}, ${filter})`)
    await submitOk(r, { type: 'mqtt.unsubscribe', clientId: this.c, filter })
    applyUnsubscribe(m, this.c, filter)
    await settleAndCheck(m, r, null)
  }
  toString = (): string => `unsubscribe(${this.c}, subscribed #${this.pick})`
}

export class Publish implements Cmd {
  constructor(readonly topic: Topic, readonly qos: QoS, readonly expiry: number | undefined) {}
  check = (): boolean => true
  async run(m: Model, r: Real): Promise<void> {
    const label = `m${++m.nPub}`
    const raw: Record<string, unknown> = { type: 'mqtt.publish', clientId: 'pub', topic: this.topic, payload: label, qos: this.qos }
    if (this.expiry !== undefined) raw['expiryIntervalSec'] = this.expiry
    m.log.push(`${this} = ${label}`)
    const ok = await submitOk(r, raw)
    if (ok.input.type !== 'mqtt.publish') throw new Error('not a publish')
    const mode = MODE_OF[this.topic]
    if (this.qos > 0) {
      const sec = this.expiry !== undefined && this.expiry > 0 ? Math.min(this.expiry, EXPIRED_TIME_SEC) : EXPIRED_TIME_SEC
      const msg: MMsg = { id: ok.input.msgId, label, topic: this.topic, mode, qos: this.qos === 2 ? 2 : 1, seq: ++m.seq, expiresAt: m.now + sec * 1000 }
      m.byId.set(msg.id, msg)
      if (mode === 'latest') m.latest.set(this.topic, msg)
      else m.stored.set(this.topic, [...(m.stored.get(this.topic) ?? []), msg])
    }
    await settleAndCheck(m, r, null)
  }
  toString = (): string => `publish(${this.topic}, q${this.qos}${this.expiry === undefined ? '' : `, expiry ${this.expiry}s`})`
}

/** Acks the `pick`-th message delivered to a connected client and not yet acked (any client's, so acks are frequent). */
export class Ack implements Cmd {
  constructor(readonly pick: number) {}
  private choices(m: Readonly<Model>): Array<[Client, MMsg]> {
    return CLIENTS.flatMap((c) => (m.clients[c].conn === null ? [] : [...m.clients[c].pending.values()].map((msg): [Client, MMsg] => [c, msg])))
  }
  check = (m: Readonly<Model>): boolean => this.choices(m).length > 0
  async run(m: Model, r: Real): Promise<void> {
    const choices = this.choices(m)
    const [c, msg] = choices[this.pick % choices.length] as [Client, MMsg]
    m.log.push(`ack(${c}, ${msg.label})`)
    await submitOk(r, { type: 'mqtt.ack', clientId: c, topic: msg.topic, msgId: msg.id })
    applyAck(m, c, msg)
    await settleAndCheck(m, r, null)
  }
  toString = (): string => `ack(pending #${this.pick})`
}

export class Disconnect implements Cmd {
  constructor(readonly c: Client) {}
  check = (m: Readonly<Model>): boolean => m.clients[this.c].conn !== null
  async run(m: Model, r: Real): Promise<void> {
    m.log.push(`${this}`)
    await submitOk(r, { type: 'mqtt.disconnect', clientId: this.c, connectionId: m.clients[this.c].conn, reason: 'normal' })
    applyDisconnect(m, this.c)
    await settleAndCheck(m, r, null)
  }
  toString = (): string => `disconnect(${this.c})`
}

/** The late disconnect of a replaced connection: changes nothing. */
export class StaleDisconnect implements Cmd {
  constructor(readonly c: Client, readonly pick: number) {}
  check = (m: Readonly<Model>): boolean => m.clients[this.c].stale.length > 0
  async run(m: Model, r: Real): Promise<void> {
    const stale = m.clients[this.c].stale
    const connectionId = stale[this.pick % stale.length] as string
    m.log.push(`late disconnect(${this.c}, ${connectionId})`)
    await submitOk(r, { type: 'mqtt.disconnect', clientId: this.c, connectionId, reason: 'takenover' })
    await settleAndCheck(m, r, null)
  }
  toString = (): string => `lateDisconnect(${this.c}, old #${this.pick})`
}

export class Advance implements Cmd {
  constructor(readonly sec: number) {}
  check = (): boolean => true
  async run(m: Model, r: Real): Promise<void> {
    m.log.push(`${this}`)
    m.now += this.sec * 1000
    r.clock.now = m.now
    await r.engine.sweep()
    await settleAndCheck(m, r, null)
  }
  toString = (): string => `advance(${this.sec}s)+sweep`
}

// The arbitraries: what fc.commands draws from.

const client = fc.constantFrom<Client>(...CLIENTS)
const subQos = fc.integer({ min: 0, max: 3 }).map((n): QoS => (n === 0 ? 0 : 1))
const filter = fc.oneof(
  { arbitrary: fc.constantFrom(...FILTER_NAMES.filter((f) => FILTERS[f]?.mode !== null)), weight: 6 },
  { arbitrary: fc.constantFrom(...FILTER_NAMES.filter((f) => FILTERS[f]?.mode === null)), weight: 1 },
)
const subscribe = fc.tuple(client, filter, subQos).map(([c, f, q]) => new Subscribe(c, f, q))
const publish = fc
  .tuple(fc.constantFrom<Topic>(...TOPICS), fc.constantFrom<QoS>(0, 1, 1, 2), fc.option(fc.constantFrom(0, 1, 5, 30, 60, 200), { nil: undefined }))
  .map(([t, q, e]) => new Publish(t, q, e))
const session = fc.tuple(client, filter, subQos).map(([c, f, q]) => new Session(c, f, q))
const connect = client.map((c) => new Connect(c))
const disconnect = client.map((c) => new Disconnect(c))
const unsubscribe = fc.tuple(client, fc.nat(20)).map(([c, i]) => new Unsubscribe(c, i))
const ack = fc.nat(30).map((i) => new Ack(i))
const advance = fc.integer({ min: 0, max: 60 }).map((sec) => new Advance(sec))
/** fc.commands picks among these uniformly: repeats weigh the ones that matter most. */
export const commandArbs: Array<fc.Arbitrary<Cmd>> = [
  ...Array.from({ length: 8 }, () => publish),
  ...Array.from({ length: 3 }, () => subscribe),
  ...Array.from({ length: 3 }, () => session),
  ...Array.from({ length: 4 }, () => ack),
  connect,
  unsubscribe, unsubscribe,
  disconnect, disconnect,
  fc.tuple(client, fc.nat(5)).map(([c, i]) => new StaleDisconnect(c, i)),
  advance, advance,
]
