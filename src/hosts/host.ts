/**
 * What the engine needs from a broker host, so that another broker than
 * Aedes can host it: two ways back into the broker. Everything the other way
 * (broker -> engine) goes through `engine.submit(inputEvent)`.
 */
import type { QoS } from '../events/input.js'
import type { StoredSubscription } from '../queries/subscriptions.query.js'

export interface HostMessage {
  readonly topic: string
  readonly payload: Buffer
  readonly qos: QoS
  readonly retain: boolean
  /** The stored message's id; a host tags the delivery with it and reports it back in mqtt.ack. */
  readonly msgId?: string
}

export interface BrokerHost {
  /**
   * Subscribe the client's connection `connectionId` to stored subscriptions
   * (EMQX's on_subscribe_lookup). A host skips filters the session already
   * has, and does nothing if that connection is gone.
   */
  restoreSubscriptions(clientId: string, connectionId: string, subscriptions: readonly StoredSubscription[]): Promise<void>
  /** Deliver messages to the client's current connection, if it has one. */
  deliver(clientId: string, messages: readonly HostMessage[]): Promise<void>
  /**
   * Subscribe the client's current connection now (a `mqtt_channel` command
   * from a business server); filters it already holds at that QoS are
   * skipped, and a client not connected here is left alone.
   */
  subscribe?(clientId: string, subscriptions: readonly { readonly filter: string; readonly qos: QoS }[]): Promise<void>
  /** Unsubscribe the client's current connection from filters it holds (a `mqtt_channel` command). */
  unsubscribe?(clientId: string, filters: readonly string[]): Promise<void>
}
