/**
 * The engine's way back into Aedes (the BrokerHost of src/hosts/host.ts):
 * subscribe a connection to its stored subscriptions, and deliver messages
 * (retained ones, stored ones tagged with their id) to a client.
 */
import type { Aedes, Client } from 'aedes'
import { randomBytes } from 'node:crypto'
import type { BrokerHost } from '../host.js'
import { clientById, sessionFilters, sessionQos } from './aedes-client.js'
import { tagged } from './msgid-tag.js'

/** Wait until the client has its CONNACK; false if it closed instead. */
function ready(client: Client): Promise<boolean> {
  if (client.connected) return Promise.resolve(true)
  if (client.closed) return Promise.resolve(false)
  return new Promise((resolve) => {
    const onConnected = (): void => {
      client.conn.off('close', onClose)
      resolve(true)
    }
    const onClose = (): void => {
      client.off('connected', onConnected)
      resolve(false)
    }
    client.once('connected', onConnected)
    client.conn.once('close', onClose)
  })
}

/** Aedes' persistence's removeSubscriptions, which its types leave out of the broker. */
async function removeStoredSubscriptions(aedes: Aedes, client: Client, filters: readonly string[]): Promise<void> {
  const persistence: unknown = Reflect.get(aedes, 'persistence')
  const remove: unknown = typeof persistence === 'object' && persistence !== null ? Reflect.get(persistence, 'removeSubscriptions') : undefined
  if (typeof remove === 'function') await Promise.resolve(remove.call(persistence, client, filters))
}

/**
 * @param connectionOf the connection id the adapter gave a client object
 */
export function aedesHost(aedes: Aedes, connectionOf: (client: Client) => string | undefined): BrokerHost {
  // Unique to this process: a persistent session's outgoing store names packets by brokerId:brokerCounter.
  const storedBrokerId = `${aedes.id}~redis~${randomBytes(4).toString('hex')}`
  let storedCounter = 0
  return {
    async restoreSubscriptions(clientId, connectionId, subscriptions) {
      const client = clientById(aedes, clientId)
      if (!client || client.closed || connectionOf(client) !== connectionId) return
      if (!(await ready(client))) return
      // Filters the session already holds (a persistent session) are not subscribed again.
      const have = sessionFilters(client)
      const missing = subscriptions.filter((s) => !have.has(s.filter))
      if (missing.length === 0) return
      await new Promise<void>((resolve, reject) =>
        client.subscribe(missing.map((s) => ({ topic: s.filter, qos: s.qos })), (err?: Error) => (err ? reject(err) : resolve())),
      )
    },
    async deliver(clientId, messages) {
      for (const m of messages) {
        const client = clientById(aedes, clientId)
        if (!client || client.closed || !(await ready(client))) return
        // Aedes drops a delivery whose (brokerId, brokerCounter) is not newer than the
        // last one the client got from that brokerId (its `duplicates` check). A packet
        // made here would take the broker's next counter, so every live message still
        // on its way to this client, with an older counter, would be dropped after it:
        // acknowledged to its publisher and never delivered. Deliveries from Redis get a
        // brokerId of their own, with their own counter, and never shadow live ones.
        const packet = {
          cmd: 'publish' as const, topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain, dup: false,
          brokerId: storedBrokerId, brokerCounter: ++storedCounter,
          ...(m.msgId ? tagged(m.msgId) : {}),
        }
        await new Promise<void>((resolve) => client.publish(packet, () => resolve()))
      }
    },
    async subscribe(clientId, subscriptions) {
      const client = clientById(aedes, clientId)
      if (!client || client.closed || !(await ready(client))) return
      const missing = subscriptions.filter((s) => sessionQos(client, s.filter) !== s.qos)
      if (missing.length === 0) return
      await new Promise<void>((resolve, reject) =>
        client.subscribe(missing.map((s) => ({ topic: s.filter, qos: s.qos })), (err?: Error) => (err ? reject(err) : resolve())),
      )
    },
    async unsubscribe(clientId, filters) {
      const client = clientById(aedes, clientId)
      if (!client || client.closed || !(await ready(client))) return
      const held = filters.filter((f) => sessionQos(client, f) !== null)
      if (held.length === 0) return
      // No messageId: the client sent no UNSUBSCRIBE, so it must get no UNSUBACK;
      // Aedes then leaves a persistent session's stored copy alone, so remove that here.
      if (!client.clean) await removeStoredSubscriptions(aedes, client, held)
      await new Promise<void>((resolve, reject) =>
        client.unsubscribe({ cmd: 'unsubscribe', unsubscriptions: [...held] }, (err?: Error) => (err ? reject(err) : resolve())),
      )
    },
  }
}
