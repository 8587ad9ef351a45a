/**
 * The Aedes host: Aedes events and hooks become input events for the engine,
 * and the engine's lookups (stored subscriptions, retained messages) go back
 * into Aedes.
 *
 *   client            -> mqtt.connect      (registered, just before CONNACK)
 *   clientDisconnect  -> mqtt.disconnect   (reason: normal, takenover, keepalive_timeout, or the error)
 *   subscribe         -> mqtt.subscribe    (one per granted filter)
 *   unsubscribe       -> mqtt.unsubscribe  (only a client's own UNSUBSCRIBE, not a session ending)
 *   authorizePublish  -> mqtt.publish      (a client's PUBLISH; PUBACK/PUBREC wait until it is in Redis)
 *   published hook    -> mqtt.publish      (publishes the broker makes itself, as clientId `$broker`)
 *   ack               -> mqtt.ack
 *
 * Backpressure: while the engine reports pressure, every client is paused
 * (Aedes stops reading its packets) and new connections wait in preConnect.
 */
import type { Aedes, AedesPublishPacket, Client, ConnectPacket, PublishPacket, Subscription } from 'aedes'
import { randomBytes } from 'node:crypto'
import { distinctUntilChanged, skip } from 'rxjs'
import type { Engine, SubmitResult } from '../../engine/engine.js'
import { allClients, clientById, sentDisconnect, sessionFilters, setPaused } from './aedes-client.js'
import { aedesHost } from './aedes-host.js'
import { DeliveryTracker } from './delivery-tracker.js'
import { msgIdOf, tagged } from './msgid-tag.js'
import { observeAedes } from './observe.js'

/** The clientId under which publishes made by the broker itself (no client) are recorded. */
export const BROKER_CLIENT_ID = '$broker'

type PublishedHandler = Aedes['published']
type PreConnectHandler = Aedes['preConnect']
type AuthenticateHandler = Aedes['authenticate']
type AuthorizePublishHandler = Aedes['authorizePublish']

/**
 * @example
 * const aedes = await Aedes.createBroker({ persistence: retainedByEngine(memory()) })
 * const detach = attachAedes(engine, aedes)
 */
export function attachAedes(engine: Engine, aedes: Aedes): () => void {
  const log = engine.logger.child({ host: 'aedes' })
  const connIds = new WeakMap<Client, string>()
  const usernames = new WeakMap<Client, string | null>()
  const reasons = new WeakMap<Client, string>()
  const connPrefix = `${engine.node}-${randomBytes(4).toString('hex')}`
  const tracker = new DeliveryTracker()
  const untrack = tracker.install(aedes)
  // What only hook rules need (CONNACKs, authorization, deliveries, drops): installed first,
  // so it wraps the application's own authorize hooks and reports their verdict and source.
  const unobserve = observeAedes(engine, aedes)
  let connSeq = 0
  let pressure = false
  let roomWaiters: Array<() => void> = []

  const report = (raw: Record<string, unknown>): Promise<void> =>
    engine.submit(raw).then(
      () => undefined,
      (err: unknown) => log.error({ err: String(err), type: raw['type'] }, 'engine did not take an event'),
    )

  // --- hooks (wrapped, so a user's own hooks keep working) ---
  const prevPreConnect: PreConnectHandler = aedes.preConnect
  const prevAuthenticate: AuthenticateHandler = aedes.authenticate
  /** Filters of a persistent session that Aedes restored itself when the client connected. */
  const restoredBySession = new WeakMap<Client, Set<string>>()
  const prevPublished: PublishedHandler = aedes.published
  const prevAuthorizePublish: AuthorizePublishHandler = aedes.authorizePublish

  aedes.preConnect = (client: Client, packet: ConnectPacket, cb) => {
    connIds.set(client, `${connPrefix}-${++connSeq}`)
    // Before any of its packets is handled, so every subscription captures the tracked delivery.
    tracker.watch(client)
    usernames.set(client, packet.username ?? null)
    const go = (): void => prevPreConnect.call(aedes, client, packet, cb)
    if (pressure) roomWaiters.push(go)
    else go()
  }

  aedes.authenticate = (client, username, password, cb) => {
    prevAuthenticate.call(aedes, client, username, password, (err, ok) => {
      if (!err && ok) {
        // [MQTT-3.1.4-2] this connection will take over a live one with the same id.
        const old = clientById(aedes, client.id)
        if (old && old !== client) reasons.set(old, 'takenover')
      }
      cb(err, ok)
    })
  }

  const submitPublish = (packet: PublishPacket, clientId: string): Promise<SubmitResult> =>
    engine.submit({
      type: 'mqtt.publish',
      clientId,
      topic: packet.topic,
      payload: packet.payload,
      qos: packet.qos,
      retain: packet.retain === true,
      expiryIntervalSec: packet.properties?.messageExpiryInterval ?? null,
    })

  // A client's PUBLISH is recorded here, before Aedes answers it: Aedes writes
  // PUBACK for QoS 1 before it routes the message, so `published` would come
  // too late to make "acknowledged" mean "in Redis".
  aedes.authorizePublish = (client: Client | null, packet: PublishPacket, cb) => {
    prevAuthorizePublish.call(aedes, client, packet, (err?: Error | null) => {
      if (err || !client) return cb(err)
      submitPublish(packet, client.id).then(
        (r) => {
          // Tag the packet with its stored id: Aedes copies `properties` into every
          // delivery, so the subscribers' acks name the message they acknowledge.
          if (r._tag === 'Right' && r.right.input.type === 'mqtt.publish') Object.assign(packet, tagged(r.right.input.msgId, packet))
          cb(null)
        },
        (e: unknown) => cb(e instanceof Error ? e : new Error(String(e))),
      )
    })
  }

  // Publishes made by the broker itself (no client) never pass authorizePublish.
  aedes.published = (packet: AedesPublishPacket, client: Client | null, cb) => {
    prevPublished.call(aedes, packet, client as Client, (err?: Error | null) => {
      if (err || client || packet.topic.startsWith('$SYS/')) return cb(err)
      submitPublish(packet, BROKER_CLIENT_ID).then(() => cb(), (e: unknown) => cb(e instanceof Error ? e : new Error(String(e))))
    })
  }

  // --- events ---
  // `client` is emitted before CONNACK is written, so the connect reaches the
  // engine before any SUBSCRIBE or PUBLISH of the new connection.
  const onClient = (client: Client): void => {
    // A persistent session's filters are back already (Aedes restores them before
    // this event); the client subscribing to them again must not fetch stored messages.
    if (!client.clean) restoredBySession.set(client, sessionFilters(client))
    void report({
      type: 'mqtt.connect',
      clientId: client.id,
      connectionId: connIds.get(client) ?? `${connPrefix}-${++connSeq}`,
      username: usernames.get(client) ?? null,
      cleanStart: client.clean,
      protocolVersion: client.version,
    })
    if (pressure) setPaused(client, true)
  }
  const onDisconnect = (client: Client): void => {
    const reason = reasons.get(client) ?? (sentDisconnect(client) ? 'normal' : 'closed')
    void report({ type: 'mqtt.disconnect', clientId: client.id, connectionId: connIds.get(client) ?? '', reason })
  }
  const onKeepalive = (client: Client): void => void reasons.set(client, 'keepalive_timeout')
  const onClientError = (client: Client, err: Error): void => {
    if (!reasons.has(client)) reasons.set(client, err.message)
  }
  const onSubscribe = (subs: Subscription[], client: Client): void => {
    for (const s of subs) {
      if (s.qos > 2) continue // 128: refused
      const o = s as Subscription & { nl?: boolean; rap?: boolean; rh?: number }
      const resubscribe = restoredBySession.get(client)?.delete(s.topic) === true
      void report({ type: 'mqtt.subscribe', clientId: client.id, filter: s.topic, qos: s.qos, resubscribe, options: { nl: o.nl === true, rap: o.rap === true, rh: o.rh ?? 0 } })
    }
  }
  const onUnsubscribe = (filters: string[], client: Client): void => {
    // Aedes reports a closing clean session's subscriptions as unsubscribed; the
    // stored subscriptions outlive the connection (EMQX semantics), so skip those.
    if (client.closed) return
    for (const filter of filters) void report({ type: 'mqtt.unsubscribe', clientId: client.id, filter })
  }
  const onAck = (packet: { topic?: string; messageId?: number } | undefined, client: Client): void => {
    // Aedes reports an ack with no packet when the acked id was unknown to it.
    if (!client || typeof packet?.topic !== 'string') return
    void report({ type: 'mqtt.ack', clientId: client.id, topic: packet.topic, packetId: packet.messageId ?? null, msgId: msgIdOf(packet) })
  }

  // A listener that throws would be thrown into Aedes' own stack; none may.
  const guarded = new Map<string, (...args: never[]) => void>()
  const listen = <A extends unknown[]>(event: string, fn: (...args: A) => void): void => {
    const safe = (...args: A): void => {
      try {
        fn(...args)
      } catch (err) {
        log.error({ err: String(err), event }, 'aedes event handling failed')
      }
    }
    guarded.set(event, safe as unknown as (...args: never[]) => void)
    aedes.on(event as "closed", safe as unknown as () => void)
  }
  listen('client', onClient)
  listen('clientDisconnect', onDisconnect)
  listen('keepaliveTimeout', onKeepalive)
  listen('clientError', onClientError)
  listen('subscribe', onSubscribe)
  listen('unsubscribe', onUnsubscribe)
  listen('ack', onAck)

  const pressureSub = engine.pressure$.pipe(distinctUntilChanged(), skip(1)).subscribe((p) => {
    pressure = p
    for (const c of allClients(aedes)) setPaused(c, p)
    if (!p) {
      const waiting = roomWaiters
      roomWaiters = []
      for (const go of waiting) go()
    }
    log.warn({ pressure: p }, p ? 'redis is behind: pausing clients' : 'redis caught up: resuming clients')
  })

  // --- the way back: lookups delivered through Aedes ---
  const host = aedesHost(aedes, (client) => connIds.get(client))
  const detachHost = engine.attach(host)

  return () => {
    detachHost()
    untrack()
    pressureSub.unsubscribe()
    aedes.preConnect = prevPreConnect
    aedes.authenticate = prevAuthenticate
    aedes.published = prevPublished
    aedes.authorizePublish = prevAuthorizePublish
    for (const [event, fn] of guarded) aedes.off(event, fn as () => void)
    for (const go of roomWaiters) go()
    roomWaiters = []
    unobserve()
  }
}
