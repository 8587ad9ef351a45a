/**
 * Aedes' persistence (the async interface of aedes-persistence 11) on the
 * engine: every call that changes something becomes an input event of the
 * same session actors as everything else (session.* inputs), goes through
 * the same log and projections, and lands in the same Redis keys; every call
 * that reads is a query on those keys. There is no second storage layer, and
 * nothing is loaded into memory at startup: subscriptionsByTopic asks Redis,
 * and keeps the answers of the topics it was asked about (a bounded cache)
 * until a subscription changes on any broker sharing the store.
 *
 * A call resolves once Redis holds what it changed (the engine acknowledges
 * an input when its batch is applied, or logged while Redis is away), so a
 * read that follows a write sees it.
 */
import * as E from 'fp-ts/lib/Either.js'
import { createRequire } from 'node:module'
import { Readable } from 'node:stream'
import { createEngine } from '../../engine/engine.js'
import type { Engine, EngineOptions, SubmitResult } from '../../engine/engine-types.js'
import type { InputError } from '../../events/errors.js'
import type { SessionBox } from '../../events/input.js'
import {
  allWills, countSessionSubscriptions, incomingIds, incomingPacket, outgoingIdOf, outgoingPacket, outgoingPacketsById,
  outgoingQueue, retainedPackets, sessionClientsOf, sessionSubscriptions, sessionSubscriptionsByTopic, willOf,
} from '../../queries/session-store.query.js'
import { packetToJson } from '../../util/packet-json.js'
import { BROKER_CLIENT_ID } from './adapter.js'
import { isNoticeBus, SubscriptionChanges } from './subscription-changes.js'
import { TopicCache } from './topic-cache.js'

type AnyPacket = Record<string, unknown>
// aedes-packet is CommonJS whose typings do not describe the constructor it exports.
const Packet = createRequire(import.meta.url)('aedes-packet') as new (original: object) => AnyPacket
interface Client { readonly id: string }
interface Broker { readonly id: string; counter?: number }
interface Sub { readonly topic: string; readonly qos: 0 | 1 | 2; readonly clientId?: string; readonly rh?: number; readonly rap?: boolean; readonly nl?: boolean }

export interface AedesPersistenceOptions extends Omit<EngineOptions, 'node'> {
  /** Use this engine (already serving a host) instead of starting one at setup. */
  readonly engine?: Engine
  /**
   * Start the broker's packet counter from the clock (default true). Queued
   * packets are named brokerId:brokerCounter and Aedes counts from 0 at every
   * start, so a broker restarted on the same id would give a new packet the
   * name of one still queued from before, and replace it. Turn it off only
   * where a counter from 1 is expected (aedes-persistence's contract suite
   * checks it).
   */
  readonly seedBrokerCounter?: boolean
  /**
   * How many subscriptions subscriptionsByTopic's answers may hold in memory
   * in all (default 100,000; 0 or false: ask Redis every time). An answer
   * holding more than a tenth of that is not kept. Kept only while the
   * broker can tell the others about subscription changes (Aedes' publish
   * and subscribe, shared between brokers with mqemitter-redis): every
   * change made through this persistence clears the answers of every broker.
   */
  readonly subscriptionCache?: number | false
}

/** A call the engine refused: the input it made was not valid (e.g. a topic with a wildcard). */
export class PersistenceInputError extends Error {
  override readonly name = 'PersistenceInputError'
  constructor(readonly input: InputError) {
    super(input.message)
  }
}

/** A refused input as the call's error. */
function refused(r: SubmitResult): void {
  if (E.isLeft(r)) throw new PersistenceInputError(r.left)
}

/** How many queued packets outgoingStream reads at a time (Aedes reads a stream 16 ahead). */
const STREAM_CHUNK = 16

/** What Aedes' memory persistence throws for a packet it does not hold. */
function noSuchPacket(): Error {
  return new Error('no such packet')
}

export class RedisPersistence {
  private engine: Engine | null
  private readonly ownsEngine: boolean
  private broker: Broker | null = null
  private destroyed = false
  // Queue order of outgoing packets: the time of the enqueue, then a counter, so
  // it survives restarts and replays (it is in the event).
  private lastOrder = 0
  /** subscriptionsByTopic's answers, while `changes` tells every broker when they go stale. */
  private readonly byTopic: TopicCache<ReadonlyArray<Readonly<Sub>>>
  private changes: SubscriptionChanges | null = null

  constructor(private readonly options: AedesPersistenceOptions = {}) {
    this.engine = options.engine ?? null
    this.ownsEngine = options.engine === undefined
    this.byTopic = new TopicCache(options.subscriptionCache === false ? 0 : (options.subscriptionCache ?? 100_000))
  }

  /** Called by Aedes with itself; starts the engine (on the broker's id as its node) unless one was given. */
  async setup(broker: Broker): Promise<void> {
    this.broker = broker
    // See seedBrokerCounter; Date.now() * 1000 stays a safe integer for 200,000 years.
    if (this.options.seedBrokerCounter !== false && typeof broker.counter === 'number' && broker.counter < 1e12) broker.counter = Date.now() * 1000
    if (this.engine === null) {
      const { engine: _ignored, seedBrokerCounter: _seed, ...rest } = this.options
      this.engine = createEngine({ ...rest, node: broker.id })
    }
    await this.engine.ready
    if (this.byTopic.capacity > 0 && isNoticeBus(broker)) {
      const logger = this.engine.logger
      this.changes = new SubscriptionChanges(broker, broker.id, () => this.byTopic.invalidate(), (err) =>
        logger.warn({ err: err.message }, 'could not tell the other brokers that subscriptions changed'))
      await this.changes.start()
    }
  }

  private get e(): Engine {
    if (this.engine === null) throw new Error('the persistence is not set up: Aedes calls setup(broker) first')
    return this.engine
  }

  private get brokerId(): string {
    return this.broker?.id ?? this.e.node
  }

  private submit(input: Record<string, unknown>): Promise<void> {
    return this.e.submit(input).then(refused)
  }

  /**
   * Several inputs, submitted at once: the engine takes them in this order
   * (per client, order is kept) and they can share one actor step. Resolves
   * when all are in; the first refused one rejects (the others still count).
   */
  private async submitAll(inputs: readonly Record<string, unknown>[]): Promise<void> {
    if (inputs.length === 1) return this.submit(inputs[0] as Record<string, unknown>)
    for (const r of await Promise.all(inputs.map((input) => this.e.submit(input)))) refused(r)
  }

  private nextOrder(): number {
    const now = Date.now() * 1024
    this.lastOrder = Math.max(now, this.lastOrder + 1)
    return this.lastOrder
  }

  // --- retained ---------------------------------------------------------

  async storeRetained(packet: AnyPacket): Promise<void> {
    const { payload, topic, qos, ...rest } = packet
    const isString = typeof payload === 'string'
    await this.submit({
      type: 'session.retain',
      clientId: BROKER_CLIENT_ID,
      topic,
      qos: qos ?? 0,
      payload: payload ?? Buffer.alloc(0),
      packet: packetToJson(isString ? { ...rest, payloadIsString: true } : rest),
    })
  }

  createRetainedStreamCombi(patterns: readonly string[]): Readable {
    return Readable.from(this.lazy(() => retainedPackets(this.e.redis, this.e.keys, patterns)))
  }

  createRetainedStream(pattern: string): Readable {
    return this.createRetainedStreamCombi([pattern])
  }

  // --- subscriptions ----------------------------------------------------

  async addSubscriptions(client: Client, subs: readonly Sub[]): Promise<void> {
    if (subs.length === 0) return
    // Submitted together; the engine keeps a client's inputs in order, so a later
    // subscription to the same filter replaces an earlier one.
    await this.submitAll(subs.map((sub) => {
      const { clientId: _owner, ...stored } = sub
      return {
        type: 'session.subscribe',
        clientId: client.id,
        filter: sub.topic,
        qos: sub.qos,
        options: { nl: sub.nl ?? false, rap: sub.rap ?? false, rh: sub.rh ?? 0 },
        stored: packetToJson(stored),
      }
    }))
    await this.subscriptionsChanged()
  }

  async removeSubscriptions(client: Client, topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return
    await this.submitAll(topics.map((filter) => ({ type: 'mqtt.unsubscribe', clientId: client.id, filter })))
    await this.subscriptionsChanged()
  }

  /**
   * After a change is in Redis: drop the answers kept so far, and start a new
   * epoch, so that an answer still being read (it began before the change was
   * in) is not kept either; then tell the other brokers (our own notice,
   * coming back, invalidates again, which costs nothing).
   */
  private async subscriptionsChanged(): Promise<void> {
    this.byTopic.invalidate()
    await this.changes?.announce()
  }

  async cleanSubscriptions(client: Client): Promise<void> {
    const subs = await sessionSubscriptions(this.e.redis, this.e.keys, client.id)
    await this.removeSubscriptions(client, subs.map((s) => s.topic))
  }

  async subscriptionsByClient(client: Client): Promise<Sub[]> {
    return (await sessionSubscriptions(this.e.redis, this.e.keys, client.id)) as unknown as Sub[]
  }

  async subscriptionsByTopic(topic: string): Promise<Sub[]> {
    if (this.changes === null) return (await sessionSubscriptionsByTopic(this.e.redis, this.e.keys, topic)) as unknown as Sub[]
    const kept = this.byTopic.get(topic)
    if (kept !== undefined) return kept.map((s) => ({ ...s }))
    const epoch = this.byTopic.epoch
    const subs = (await sessionSubscriptionsByTopic(this.e.redis, this.e.keys, topic)) as unknown as Sub[]
    this.byTopic.set(topic, subs.map((s) => ({ ...s })), epoch, subs.length)
    return subs
  }

  async countOffline(): Promise<{ subsCount: number; clientsCount: number }> {
    return countSessionSubscriptions(this.e.redis, this.e.keys)
  }

  getClientList(topic: string): Readable {
    return Readable.from(this.lazy(() => sessionClientsOf(this.e.redis, this.e.keys, topic)))
  }

  // --- outgoing ---------------------------------------------------------

  private putPacket(clientId: string, box: SessionBox, id: string, packet: AnyPacket, extra: { order?: number; messageId?: number | null; brokerId?: string | null } = {}): Promise<void> {
    return this.submit({
      type: 'session.packet.put', clientId, box, id, packet: packetToJson(packet),
      order: extra.order ?? 0, messageId: extra.messageId ?? null, brokerId: extra.brokerId ?? null,
    })
  }

  private deletePacket(clientId: string, box: SessionBox, id: string, messageId: number | null = null): Promise<void> {
    return this.submit({ type: 'session.packet.delete', clientId, box, id, messageId })
  }

  async outgoingEnqueue(sub: Sub, packet: AnyPacket): Promise<void> {
    await this.outgoingEnqueueCombi([sub], packet)
  }

  async outgoingEnqueueCombi(subs: readonly Sub[], packet: AnyPacket): Promise<void> {
    // Aedes calls this for every QoS 1/2 message, with the offline sessions it found: mostly none.
    if (subs.length === 0) return
    const queued = new Packet(packet)
    const id = `${String(queued['brokerId'])}:${String(queued['brokerCounter'])}`
    const order = this.nextOrder()
    // One text for every session it is queued for.
    const text = packetToJson(queued)
    const put = (s: Sub): Record<string, unknown> => ({ type: 'session.packet.put', clientId: s.clientId ?? '', box: 'outgoing', id, packet: text, order, messageId: null, brokerId: null })
    await this.submitAll(subs.map(put))
  }

  /**
   * The packet queued as `packet.brokerId:brokerCounter` now goes with its
   * packet identifier; or, for the packet sent with that identifier (a
   * PUBREL replacing its PUBLISH), `packet` takes its place.
   *
   * A PUBLISH that is not queued has been acknowledged already (or was
   * never queued for this session), and the call does nothing. The first
   * happens when a persistent session comes back: Aedes subscribes it
   * before it reads its queue, so a message published in between is sent
   * live and is in the queue Aedes reads too, and the live copy's PUBACK
   * may remove it before Aedes gets to the queue's copy. Rejecting ("no
   * such packet") would make Aedes close the connection; Aedes sends the
   * copy again instead (QoS 1 allows it, and outgoingStream leaves such
   * packets out whenever it can), and its PUBACK finds nothing to remove.
   * Nor is a PUBLISH looked up by its packet identifier: that identifier
   * may now be another packet's.
   */
  async outgoingUpdate(client: Client, packet: AnyPacket): Promise<void> {
    const { redis, keys } = this.e
    const messageId = typeof packet['messageId'] === 'number' ? packet['messageId'] : null
    const id = `${String(packet['brokerId'])}:${String(packet['brokerCounter'])}`
    const queued = await outgoingPacket(redis, keys, client.id, id)
    if (queued !== null) {
      await this.putPacket(client.id, 'outgoing', id, { ...queued, messageId: packet['messageId'] }, { messageId })
      return
    }
    if (packet['cmd'] === 'publish') return
    const sentAs = messageId === null ? null : await outgoingIdOf(redis, keys, client.id, messageId)
    if (sentAs === null) throw noSuchPacket()
    await this.putPacket(client.id, 'outgoing', sentAs, packet, { messageId })
  }

  /** Remove the packet sent with `packet.messageId`, and return it (undefined when there is none). */
  async outgoingClearMessageId(client: Client, packet: AnyPacket): Promise<AnyPacket | undefined> {
    const { redis, keys } = this.e
    const messageId = typeof packet['messageId'] === 'number' ? packet['messageId'] : null
    if (messageId === null) return undefined
    const id = await outgoingIdOf(redis, keys, client.id, messageId)
    if (id === null) return undefined
    const queued = await outgoingPacket(redis, keys, client.id, id)
    await this.deletePacket(client.id, 'outgoing', id, messageId)
    return queued ?? undefined
  }

  /**
   * The session's queue, in order: its ids read when Aedes starts reading,
   * the packets themselves a few at a time as Aedes gets to them. A packet
   * acknowledged meanwhile (sent live at a reconnect, see outgoingUpdate) is
   * left out instead of being sent again from a copy read earlier.
   */
  outgoingStream(client: Client): Readable {
    return Readable.from(this.queued(client.id))
  }

  private async *queued(clientId: string): AsyncGenerator<AnyPacket> {
    const { redis, keys } = this.e
    const ids = await outgoingQueue(redis, keys, clientId)
    for (let i = 0; i < ids.length; i += STREAM_CHUNK) {
      // As stored: a PUBREL that took a PUBLISH's place is a PUBREL.
      for (const { packet } of await outgoingPacketsById(redis, keys, clientId, ids.slice(i, i + STREAM_CHUNK))) yield packet
    }
  }

  // --- incoming (QoS 2 received, not yet released) ----------------------

  async incomingStorePacket(client: Client, packet: AnyPacket): Promise<void> {
    const stored = new Packet(packet)
    stored['messageId'] = packet['messageId']
    await this.putPacket(client.id, 'incoming', String(packet['messageId']), stored)
  }

  async incomingGetPacket(client: Client, packet: AnyPacket): Promise<AnyPacket> {
    const found = await incomingPacket(this.e.redis, this.e.keys, client.id, Number(packet['messageId']))
    if (found === null) throw noSuchPacket()
    return found
  }

  async incomingDelPacket(client: Client, packet: AnyPacket): Promise<void> {
    const id = String(packet['messageId'])
    if ((await incomingPacket(this.e.redis, this.e.keys, client.id, Number(id))) === null) throw noSuchPacket()
    await this.deletePacket(client.id, 'incoming', id)
  }

  async cleanIncoming(client: Client): Promise<void> {
    const ids = await incomingIds(this.e.redis, this.e.keys, client.id)
    await this.submitAll(ids.map((id) => ({ type: 'session.packet.delete', clientId: client.id, box: 'incoming', id, messageId: null })))
  }

  // --- wills -------------------------------------------------------------

  async putWill(client: Client, packet: AnyPacket): Promise<Client> {
    // As Aedes' own persistence does: the will names its client and the broker holding it.
    packet['brokerId'] = this.brokerId
    packet['clientId'] = client.id
    await this.putPacket(client.id, 'will', '', packet, { brokerId: this.brokerId })
    return client
  }

  async getWill(client: Client): Promise<AnyPacket | undefined> {
    return (await willOf(this.e.redis, this.e.keys, client.id)) ?? undefined
  }

  /**
   * Delete the client's will. Given `client.brokerId` (as Aedes gives it when
   * a connection ends, and after publishing a dead broker's will), only if
   * that broker holds it: one will is kept per client, and by then the
   * client may have connected to another broker, whose will it must keep.
   */
  async delWill(client: Client & { readonly brokerId?: string }): Promise<AnyPacket | undefined> {
    const will = await this.getWill(client)
    if (will === undefined) return undefined
    if (typeof client.brokerId === 'string' && will['brokerId'] !== client.brokerId) return undefined
    await this.deletePacket(client.id, 'will', '')
    return will
  }

  /** The wills held by brokers not in `brokers` (those that are gone), for a live broker to publish. */
  streamWill(brokers: Record<string, unknown> = {}): Readable {
    return Readable.from(this.lazy(async () => {
      const out: AnyPacket[] = []
      for (const { clientId, brokerId } of await allWills(this.e.redis, this.e.keys)) {
        if (brokers[brokerId] !== undefined) continue
        const will = await willOf(this.e.redis, this.e.keys, clientId)
        if (will !== null) out.push(will)
      }
      return out
    }))
  }

  // --- lifecycle ---------------------------------------------------------

  async destroy(): Promise<void> {
    if (this.destroyed) throw new Error('destroyed called twice!')
    this.destroyed = true
    await this.changes?.stop()
    this.changes = null
    if (this.ownsEngine && this.engine !== null) await this.engine.close()
  }

  /** An async iterable that runs `read` when first pulled, so a stream reads Redis when Aedes reads it. */
  private async *lazy<T>(read: () => Promise<readonly T[]>): AsyncGenerator<T> {
    yield* await read()
  }
}

/**
 * Aedes persistence on Redis, through the engine.
 *
 * @example
 * import { Aedes } from 'aedes'
 * import { aedesPersistence } from 'mqtt-redis-engine/aedes'
 * const broker = await Aedes.createBroker({ persistence: aedesPersistence({ redis: 'redis://127.0.0.1:6379' }) })
 */
export function aedesPersistence(options: AedesPersistenceOptions = {}): RedisPersistence {
  return new RedisPersistence(options)
}
