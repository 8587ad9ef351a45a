/**
 * What to do about an MqttClient when its store fails, so that MQTT.js never
 * acknowledges or reports as sent something the store did not keep.
 *
 * MQTT.js (5.x) leaves these store failures unanswered:
 * - outgoing put while connected: it neither writes the packet nor calls the
 *   publish callback, so the publish hangs. The guard fails the pending
 *   publish with the store's error and frees its id.
 * - incoming put of a QoS 2 PUBLISH: it sends PUBREC anyway, so the broker
 *   forgets a message the client cannot deliver after a crash. The guard
 *   drops the connection first: the PUBREC never leaves, the broker resends.
 * - incoming get on PUBREL failing for a reason other than "missing packet":
 *   it sends PUBCOMP without delivering. Same answer: drop the connection.
 * - createStream failing during the replay after CONNACK: the client stays
 *   connected with its stored packets unsent. The guard drops the connection
 *   so that the next CONNACK replays again.
 */
import type { MqttClient } from 'mqtt'
import type { StoredPacket } from './codec.js'

/** The parts of an MqttClient the guard touches. */
export type GuardedClient = Pick<MqttClient, 'connected' | 'outgoing' | 'messageIdProvider' | 'stream'>

/**
 * An outgoing put failed. `connectedAtPut` is whether the client was connected
 * when it called put: then MQTT.js went through its store-and-send path, which
 * drops the error; otherwise it already reports the error to the callback.
 */
export function outgoingPutFailed(client: GuardedClient, packet: StoredPacket, connectedAtPut: boolean, err: Error): void {
  const id = packet.messageId
  if (id === undefined) return
  const pending = client.outgoing[id]
  if (!pending) return
  delete client.outgoing[id]
  client.messageIdProvider.deallocate(id)
  if (connectedAtPut) pending.cb(err)
}

/** The incoming store could not keep or find a packet: hang up before MQTT.js acknowledges it. */
export function incomingFailed(client: GuardedClient): void {
  dropConnection(client)
}

/** The replay after CONNACK could not read the store: hang up so the next CONNACK replays again. */
export function replayFailed(client: GuardedClient): void {
  dropConnection(client)
}

function dropConnection(client: GuardedClient): void {
  // The stream is undefined before the first connect; destroyed already after a close.
  const stream: { destroyed?: boolean; destroy(): unknown } | undefined = client.stream
  if (stream && !stream.destroyed) stream.destroy()
}
