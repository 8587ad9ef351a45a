/**
 * Input events: what a broker host reports, named by what the host saw
 * (`mqtt.*`), before the engine has decided anything about them.
 *
 * Hosts build these objects; the engine decodes them at its boundary
 * (see decode.ts) and never trusts their shape.
 */

export type QoS = 0 | 1 | 2

/** MQTT 5 subscription options; MQTT 3.1.1 hosts report the defaults. */
export interface SubscriptionOptions {
  /** No Local */
  readonly nl: boolean
  /** Retain As Published */
  readonly rap: boolean
  /** Retain Handling: 0 send retained on subscribe, 1 only if new, 2 never */
  readonly rh: 0 | 1 | 2
}

export const DEFAULT_SUB_OPTIONS: SubscriptionOptions = { nl: false, rap: false, rh: 0 }

interface Base {
  readonly clientId: string
  /** Milliseconds since the epoch, stamped by the engine's clock when the host gives none. */
  readonly at: number
}

export interface MqttConnect extends Base {
  readonly type: 'mqtt.connect'
  /** Unique per network connection, so a late disconnect of an old connection is recognised. */
  readonly connectionId: string
  readonly username: string | null
  readonly cleanStart: boolean
  readonly protocolVersion: 3 | 4 | 5
}

export interface MqttDisconnect extends Base {
  readonly type: 'mqtt.disconnect'
  readonly connectionId: string
  /** EMQX-style reason: normal, keepalive_timeout, takenover, closed, or an error text. */
  readonly reason: string
}

export interface MqttSubscribe extends Base {
  readonly type: 'mqtt.subscribe'
  readonly filter: string
  readonly qos: QoS
  readonly options: SubscriptionOptions
  /**
   * The broker's session already held this filter (a persistent session it
   * restored itself); such a subscription fetches no stored messages, or the
   * client would get them twice, from the session and from Redis.
   */
  readonly resubscribe: boolean
}

export interface MqttUnsubscribe extends Base {
  readonly type: 'mqtt.unsubscribe'
  readonly filter: string
}

export interface MqttPublish extends Base {
  readonly type: 'mqtt.publish'
  /** Stamped by the engine at its boundary; unique across nodes, ordered by time. */
  readonly msgId: string
  readonly topic: string
  readonly payload: Buffer
  readonly qos: QoS
  readonly retain: boolean
  /** MQTT 5 Message Expiry Interval in seconds, when the publisher set one. */
  readonly expiryIntervalSec: number | null
}

/** The broker handed a message to this client (hook message.delivered). */
export interface MqttDeliver extends Base {
  readonly type: 'mqtt.deliver'
  readonly topic: string
  readonly qos: QoS
  readonly packetId: number | null
  /** The stored message's id, when the delivery carries one. */
  readonly msgId: string | null
  /** The client that published it, when the host knows. */
  readonly from: string | null
  readonly payload: Buffer | null
}

export interface MqttAck extends Base {
  readonly type: 'mqtt.ack'
  readonly topic: string
  readonly packetId: number | null
  /** The stored message acknowledged, when the host knows it (it tags what it delivers). */
  readonly msgId: string | null
}

/**
 * A message went nowhere. `stage` `message`: a publish of this client reached
 * no subscriber (hook message.dropped, reason e.g. `no_subscribers`);
 * `delivery`: a message for this client was not delivered to it (hook
 * delivery.dropped, reason e.g. `queue_full`, `expired`, `no_local`).
 */
export interface MqttDrop extends Base {
  readonly type: 'mqtt.drop'
  readonly stage: 'message' | 'delivery'
  readonly topic: string
  readonly reason: string
  readonly qos: QoS
  readonly payload: Buffer | null
  readonly msgId: string | null
}

/** The broker answered a CONNECT (hook client.connack); `reasonCode` 0 is success. */
export interface MqttConnack extends Base {
  readonly type: 'mqtt.connack'
  readonly reasonCode: number
  readonly sessionPresent: boolean
  readonly username: string | null
}

/** An authorization check ended (hook client.check_authz_complete). */
export interface MqttAuthz extends Base {
  readonly type: 'mqtt.authz'
  readonly action: 'publish' | 'subscribe'
  /** The topic (publish) or filter (subscribe) checked, as the client sent it. */
  readonly topic: string
  readonly result: 'allow' | 'deny'
  /** Which check decided, e.g. `aedes` for the broker's authorize hooks, `default` when none is set. */
  readonly source: string
}

/**
 * What a broker keeps of a persistent session, reported by its persistence
 * layer (the Aedes persistence, src/hosts/aedes/persistence): kept, like
 * everything else, as domain events and projected into Redis.
 */
export type SessionBox = 'outgoing' | 'incoming' | 'will'

/** A persistent session's subscription, as the broker stores it (addSubscriptions). */
export interface SessionSubscribe extends Base {
  readonly type: 'session.subscribe'
  readonly filter: string
  readonly qos: QoS
  readonly options: SubscriptionOptions
  /** The subscription as the broker handed it, as JSON, to give back unchanged. */
  readonly stored: string
}

/** A retained message the broker stores (storeRetained); `clientId` names the broker. */
export interface SessionRetain extends Base {
  readonly type: 'session.retain'
  /** Stamped by the engine at its boundary, as for mqtt.publish. */
  readonly msgId: string
  readonly topic: string
  readonly payload: Buffer
  readonly qos: QoS
  /** The rest of the broker's packet, as JSON, to give back unchanged. */
  readonly packet: string
}

/** A packet a session keeps: queued for delivery, received at QoS 2, or its will. */
export interface SessionPacketPut extends Base {
  readonly type: 'session.packet.put'
  readonly box: SessionBox
  /** The packet's id within its box (outgoing: brokerId:brokerCounter; incoming: messageId; will: ''). */
  readonly id: string
  /** Its place in the box (outgoing); a packet put again keeps its first place. */
  readonly order: number
  readonly messageId: number | null
  readonly brokerId: string | null
  /** The whole packet, as the packet codec writes it. */
  readonly packet: string
}

export interface SessionPacketDelete extends Base {
  readonly type: 'session.packet.delete'
  readonly box: SessionBox
  readonly id: string
  readonly messageId: number | null
}

export type InputEvent =
  | SessionSubscribe
  | SessionRetain
  | SessionPacketPut
  | SessionPacketDelete
  | MqttConnect
  | MqttDisconnect
  | MqttSubscribe
  | MqttUnsubscribe
  | MqttPublish
  | MqttDeliver
  | MqttAck
  | MqttDrop
  | MqttConnack
  | MqttAuthz

export type InputType = InputEvent['type']

export const INPUT_TYPES: readonly InputType[] = [
  'mqtt.connect',
  'mqtt.disconnect',
  'mqtt.subscribe',
  'mqtt.unsubscribe',
  'mqtt.publish',
  'mqtt.deliver',
  'mqtt.ack',
  'mqtt.drop',
  'mqtt.connack',
  'mqtt.authz',
]
