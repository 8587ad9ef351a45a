/**
 * The write scenarios: QoS 1 publishes stored on pubsub topics, connect /
 * disconnect churn, subscribe / unsubscribe churn. Each op is one input for
 * the engine; the limit and ioredis contenders send the writes the
 * projections make of what the engine decides for it.
 */
import type { BenchSub } from '../aedes/common.js'
import { deriveWrites, engineContender, ioredisContender, limitContender, peerContender, type BenchContext, type Input } from './contenders.js'
import type { ContenderName } from './measure.js'
import { PEER_BROKER_ID } from './peer.js'
import { runEach, scenarioResult, type ScenarioResult } from './scenario.js'

export interface WriteSize {
  /** Ops timed. */
  readonly ops: number
  readonly clients: number
  readonly topics: number
}

export const PAYLOAD = Buffer.alloc(32, 0x61)

/** Warm-up ops (on other client ids and topics), run before the clock starts. */
export function warmOps(ops: number): number {
  return Math.min(5000, Math.max(200, Math.floor(ops / 10)))
}

/** Publish `i`: client `${tag}p<i % clients>` to `pubsub/${tag}<i % topics>`, QoS 1, 32 bytes. */
export function publishInputs(n: number, size: WriteSize, tag: string): Input[] {
  const out: Input[] = []
  for (let i = 0; i < n; i++) {
    out.push({ type: 'mqtt.publish', clientId: `${tag}p${i % size.clients}`, topic: `pubsub/${tag}${i % size.topics}`, payload: PAYLOAD, qos: 1, retain: false })
  }
  return out
}

export async function publishQos1(ctx: BenchContext, size: WriteSize, include: ReadonlySet<ContenderName>): Promise<ScenarioResult> {
  const warmN = warmOps(size.ops)
  const measured = publishInputs(size.ops, size, '')
  const warm = publishInputs(warmN, size, 'w')
  const m = deriveWrites(measured, ctx.keys)
  const w = deriveWrites(warm, ctx.keys)
  let counter = 0
  const r = await runEach(ctx, 'publish-qos1', {
    limit: limitContender(ctx, m, w),
    ioredis: ioredisContender(ctx, m, w),
    // The closest the peer has: the message stored for one offline subscriber (a persistent session) per publish.
    peer: peerContender(ctx, size.ops, warmN, (p, i, isWarm) => {
      const tag = isWarm ? 'w' : ''
      const subs: BenchSub[] = [{ clientId: `${tag}s${i % size.clients}`, topic: 'pubsub/#', qos: 1 }]
      const packet = { cmd: 'publish', topic: `pubsub/${tag}${i % size.topics}`, payload: PAYLOAD, qos: 1, retain: false, dup: false, brokerId: PEER_BROKER_ID, brokerCounter: ++counter }
      return p.outgoingEnqueueCombi(subs, packet)
    }),
    engine: engineContender(ctx, measured, warm),
  }, include)
  return scenarioResult('publish-qos1', { ops: size.ops, clients: size.clients, topics: size.topics, payloadBytes: PAYLOAD.length }, r, [
    `${size.ops} QoS 1 publishes on pubsub/<n> (${size.topics} topics) from ${size.clients} clients; an op is one publish stored (by the storeMessage script; adjacent stores of one batch go as one storeMessages call)`,
    'peer: outgoingEnqueueCombi of each message for one offline subscriber (MSET packet + count, RPUSH to its queue)',
  ])
}

/** Round r of the churn: every client once; even rounds `on`, odd rounds `off` (undoing the round before). */
function churnInputs(n: number, clients: number, tag: string, on: (clientId: string, round: number) => Input, off: (clientId: string, round: number) => Input): Input[] {
  const out: Input[] = []
  for (let i = 0; i < n; i++) {
    const clientId = `${tag}c${i % clients}`
    const round = Math.floor(i / clients)
    out.push(round % 2 === 0 ? on(clientId, round) : off(clientId, round - 1))
  }
  return out
}

/** Ops for a churn: at least one full on-and-off round over every client. */
export function churnOps(size: WriteSize): number {
  const round = 2 * size.clients
  return Math.max(round, Math.ceil(size.ops / round) * round)
}

/** Connect / disconnect churn: round r connects every client (clean start), round r + 1 disconnects them. */
export function connectChurnInputs(n: number, clients: number, tag: string): Input[] {
  return churnInputs(
    n, clients, tag,
    (clientId, round) => ({ type: 'mqtt.connect', clientId, connectionId: `k${round}`, cleanStart: true }),
    (clientId, round) => ({ type: 'mqtt.disconnect', clientId, connectionId: `k${round}`, reason: 'normal' }),
  )
}

const ownFilter = (clientId: string): string => `dev/${clientId}/cmd`

/** Subscribe / unsubscribe churn: each client to its own dev/<client>/cmd at QoS 1, then off again. */
export function subscribeChurnInputs(n: number, clients: number, tag: string): Input[] {
  return churnInputs(
    n, clients, tag,
    (clientId) => ({ type: 'mqtt.subscribe', clientId, filter: ownFilter(clientId), qos: 1 }),
    (clientId) => ({ type: 'mqtt.unsubscribe', clientId, filter: ownFilter(clientId) }),
  )
}

/** A churn's ops: at least one full round over every client, and warm-up rounds over up to 1,000 other clients; with their writes. */
function churnOpLists(ctx: BenchContext, size: WriteSize, make: (n: number, clients: number, tag: string) => Input[]) {
  const ops = churnOps(size)
  const warmClients = Math.min(size.clients, 1000)
  const measured = make(ops, size.clients, '')
  const warm = make(2 * warmClients, warmClients, 'w')
  return { ops, warmClients, measured, warm, m: deriveWrites(measured, ctx.keys), w: deriveWrites(warm, ctx.keys) }
}

export async function connectChurn(ctx: BenchContext, size: WriteSize, include: ReadonlySet<ContenderName>): Promise<ScenarioResult> {
  const { ops, measured, warm, m, w } = churnOpLists(ctx, size, connectChurnInputs)
  const r = await runEach(ctx, 'connect-churn', {
    limit: limitContender(ctx, m, w),
    ioredis: ioredisContender(ctx, m, w),
    engine: engineContender(ctx, measured, warm),
  }, include)
  return scenarioResult('connect-churn', { ops, clients: size.clients }, r, [
    `${ops} events over ${size.clients} clients: each connects (clean start), later disconnects; an op is one connect or disconnect`,
    'no peer: aedes-persistence-redis keeps no client online/offline state (a connect without a will writes nothing to it)',
  ])
}

export async function subscribeChurn(ctx: BenchContext, size: WriteSize, include: ReadonlySet<ContenderName>): Promise<ScenarioResult> {
  const { ops, warmClients, measured, warm, m, w } = churnOpLists(ctx, size, subscribeChurnInputs)
  const r = await runEach(ctx, 'subscribe-churn', {
    limit: limitContender(ctx, m, w),
    ioredis: ioredisContender(ctx, m, w),
    peer: peerContender(ctx, ops, 2 * warmClients, (p, i, isWarm) => {
      const clients = isWarm ? warmClients : size.clients
      const clientId = `${isWarm ? 'w' : ''}c${i % clients}`
      const client = { id: clientId }
      return Math.floor(i / clients) % 2 === 0
        ? p.addSubscriptions(client, [{ topic: ownFilter(clientId), qos: 1, rh: 0, rap: false, nl: false }])
        : p.removeSubscriptions(client, [ownFilter(clientId)])
    }),
    engine: engineContender(ctx, measured, warm),
  }, include)
  return scenarioResult('subscribe-churn', { ops, clients: size.clients }, r, [
    `${ops} events over ${size.clients} clients: each subscribes to its own dev/<client>/cmd at QoS 1, later unsubscribes; an op is one subscribe or unsubscribe`,
    'peer: addSubscriptions / removeSubscriptions of the same filter',
  ])
}
