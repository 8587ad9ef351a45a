/**
 * What the hook rules need from Aedes beyond the session events the adapter
 * reports: CONNACKs, authorization results, deliveries, and messages that
 * reached nobody. Each is reported only while the engine records its
 * observed event (a rule listens to its hook), so a broker without such
 * rules pays nothing.
 *
 *   connackSent event           -> mqtt.connack   (client.connack)
 *   authorizePublish/Subscribe  -> mqtt.authz     (client.check_authz_complete; source `default`
 *                                                  for Aedes' own allow-all hooks, else `aedes`)
 *   each delivery to a client   -> mqtt.deliver   (message.delivered)
 *   a publish with no live subscriber and no stored session to queue it for
 *                               -> mqtt.drop, stage message, reason no_subscribers (message.dropped)
 *   a QoS 0 publish for a persistent session that is offline (Aedes queues only QoS 1/2)
 *                               -> mqtt.drop, stage delivery, reason qos0_msg, one per such session
 *                                  (delivery.dropped)
 */
import type { Aedes, AedesPublishPacket, Client, PublishPacket, Subscription } from 'aedes'
import type { Engine } from '../../engine/engine.js'
import { clientById } from './aedes-client.js'
import { msgIdOf } from './msgid-tag.js'

type Deliver = (packet: Record<string, unknown>, cb: (err?: Error) => void) => void

/** Aedes' default hooks are named functions; anything else is the embedding application's own check. */
function sourceOf(hook: unknown, defaultName: string): string {
  return typeof hook === 'function' && hook.name === defaultName ? 'default' : 'aedes'
}

/** Does any live client of this broker subscribe to `topic`? (Aedes' emitter keeps a matcher of them.) */
function hasLiveSubscriber(aedes: Aedes, topic: string): boolean | null {
  const mq: unknown = Reflect.get(aedes, 'mq')
  const matcher: unknown = typeof mq === 'object' && mq !== null ? Reflect.get(mq, '_matcher') : undefined
  const match: unknown = typeof matcher === 'object' && matcher !== null ? Reflect.get(matcher, 'match') : undefined
  if (typeof match !== 'function') return null
  const found: unknown = match.call(matcher, topic)
  return Array.isArray(found) ? found.length > 0 : null
}

/** The client ids of the stored (persistent) sessions subscribed to `topic`, connected or not. */
async function storedSubscribers(aedes: Aedes, topic: string): Promise<string[]> {
  const persistence: unknown = Reflect.get(aedes, 'persistence')
  const byTopic: unknown = typeof persistence === 'object' && persistence !== null ? Reflect.get(persistence, 'subscriptionsByTopic') : undefined
  if (typeof byTopic !== 'function') return []
  const subs: unknown = await Promise.resolve(byTopic.call(persistence, topic))
  if (!Array.isArray(subs)) return []
  const ids: string[] = []
  for (const s of subs) {
    const id: unknown = typeof s === 'object' && s !== null ? Reflect.get(s, 'clientId') : undefined
    if (typeof id === 'string') ids.push(id)
  }
  return [...new Set(ids)]
}

/**
 * @example
 * const detach = observeAedes(engine, aedes)
 */
export function observeAedes(engine: Engine, aedes: Aedes): () => void {
  const wants = engine.observes
  if (wants.size === 0) return () => undefined
  const log = engine.logger.child({ host: 'aedes' })
  const report = (raw: Record<string, unknown>): void => {
    engine.submit(raw).catch((err: unknown) => log.error({ err: String(err), type: raw['type'] }, 'engine did not take an event'))
  }
  const undo: Array<() => void> = []

  if (wants.has('ConnackSent')) {
    const onConnack = (packet: { returnCode?: number; reasonCode?: number; sessionPresent?: boolean }, client: Client): void => {
      if (!client?.id) return
      report({ type: 'mqtt.connack', clientId: client.id, reasonCode: packet.returnCode ?? packet.reasonCode ?? 0, sessionPresent: packet.sessionPresent === true })
    }
    aedes.on('connackSent', onConnack)
    undo.push(() => void aedes.off('connackSent', onConnack))
  }

  if (wants.has('AuthorizationChecked')) {
    const prevPublish = aedes.authorizePublish
    const publishSource = sourceOf(prevPublish, 'defaultAuthorizePublish')
    aedes.authorizePublish = (client: Client | null, packet: PublishPacket, cb) => {
      prevPublish.call(aedes, client, packet, (err?: Error | null) => {
        if (client) report({ type: 'mqtt.authz', clientId: client.id, action: 'publish', topic: packet.topic, result: err ? 'deny' : 'allow', source: publishSource })
        cb(err)
      })
    }
    const prevSubscribe = aedes.authorizeSubscribe
    const subscribeSource = sourceOf(prevSubscribe, 'defaultAuthorizeSubscribe')
    aedes.authorizeSubscribe = (client: Client | null, sub: Subscription, cb) => {
      prevSubscribe.call(aedes, client as Client, sub, (err: Error | null, result?: Subscription | null) => {
        if (client) report({ type: 'mqtt.authz', clientId: client.id, action: 'subscribe', topic: sub.topic, result: err || !result ? 'deny' : 'allow', source: subscribeSource })
        cb(err, result)
      })
    }
    undo.push(() => {
      aedes.authorizePublish = prevPublish
      aedes.authorizeSubscribe = prevSubscribe
    })
  }

  if (wants.has('MessageDelivered')) {
    const prevPreConnect = aedes.preConnect
    aedes.preConnect = (client, packet, cb) => {
      watchDeliveries(client)
      prevPreConnect.call(aedes, client, packet, cb)
    }
    undo.push(() => void (aedes.preConnect = prevPreConnect))
  }

  function watchDeliveries(client: Client): void {
    for (const name of ['deliver0', 'deliverQoS'] as const) {
      const original: unknown = Reflect.get(client, name)
      if (typeof original !== 'function') continue
      const wrapped: Deliver = (packet, cb) => {
        const topic = String(packet['topic'])
        const from = typeof packet['clientId'] === 'string' ? packet['clientId'] : null
        const payload = packet['payload']
        if (!topic.startsWith('$SYS/')) {
          report({ type: 'mqtt.deliver', clientId: client.id, topic, qos: packet['qos'] ?? 0, msgId: msgIdOf(packet), from, payload: payload instanceof Uint8Array || typeof payload === 'string' ? payload : null })
        }
        ;(original as Deliver).call(client, packet, cb)
      }
      Reflect.set(client, name, wrapped)
    }
  }

  if (wants.has('MessageDropped') || wants.has('DeliveryDropped')) {
    const prevPublished = aedes.published
    aedes.published = (packet: AedesPublishPacket, client: Client | null, cb) => {
      prevPublished.call(aedes, packet, client as Client, (err?: Error | null) => {
        if (!err && !packet.topic.startsWith('$SYS/')) checkDropped(packet, client)
        cb(err)
      })
    }
    undo.push(() => void (aedes.published = prevPublished))
  }

  function checkDropped(packet: AedesPublishPacket, client: Client | null): void {
    // An empty retained publish only clears the retained message: nothing to deliver.
    if (packet.retain && packet.payload.length === 0) return
    const live = hasLiveSubscriber(aedes, packet.topic)
    const qos0Drops = wants.has('DeliveryDropped') && packet.qos === 0
    const noSubscriber = wants.has('MessageDropped') && live === false
    if (!qos0Drops && !noSubscriber) return
    storedSubscribers(aedes, packet.topic).then(
      (stored) => {
        const offline = stored.filter((id) => clientById(aedes, id) === undefined)
        if (qos0Drops) {
          for (const id of offline) report({ type: 'mqtt.drop', stage: 'delivery', clientId: id, topic: packet.topic, reason: 'qos0_msg', qos: 0 })
        }
        // A stored session is a subscriber even while away (as in EMQX, where its session
        // exists): a QoS 0 message it cannot get is a delivery drop (above), not a message drop.
        if (noSubscriber && stored.length === 0) {
          report({
            type: 'mqtt.drop', stage: 'message', clientId: client?.id ?? '$broker', topic: packet.topic, reason: 'no_subscribers',
            qos: packet.qos, payload: packet.payload, msgId: msgIdOf(packet),
          })
        }
      },
      (err: unknown) => log.warn({ err: String(err) }, 'looking up stored subscribers failed'),
    )
  }

  return () => {
    for (const u of undo.reverse()) u()
  }
}
