/** Builders of decoded input events for unit tests. */
import type { MqttAck, MqttConnect, MqttDisconnect, MqttPublish, MqttSubscribe, MqttUnsubscribe, QoS } from '../../../src/events/input.js'

export const connect = (clientId: string, connectionId: string, at = 1000): MqttConnect => ({
  type: 'mqtt.connect', clientId, connectionId, at, username: 'u', cleanStart: true, protocolVersion: 5,
})
export const disconnect = (clientId: string, connectionId: string, at = 2000, reason = 'normal'): MqttDisconnect => ({
  type: 'mqtt.disconnect', clientId, connectionId, at, reason,
})
export const subscribe = (clientId: string, filter: string, qos: 0 | 1 | 2 = 1, at = 3000, resubscribe = false): MqttSubscribe => ({
  type: 'mqtt.subscribe', clientId, filter, qos, at, options: { nl: false, rap: false, rh: 0 }, resubscribe,
})
export const unsubscribe = (clientId: string, filter: string, at = 4000): MqttUnsubscribe => ({
  type: 'mqtt.unsubscribe', clientId, filter, at,
})

export interface PublishOptions {
  readonly qos?: QoS
  /** MQTT 5 Message Expiry Interval; null (the default) when the publisher set none. */
  readonly expiryIntervalSec?: number | null
  readonly msgId?: string
}

/** A publish, QoS 1 unless told; its msgId is `m-${at}` unless told. */
export const publish = (clientId: string, topic: string, payload: Buffer, retain: boolean, at = 5000, opts: PublishOptions = {}): MqttPublish => ({
  type: 'mqtt.publish',
  clientId,
  topic,
  payload,
  retain,
  qos: opts.qos ?? 1,
  at,
  msgId: opts.msgId ?? `m-${at}`,
  expiryIntervalSec: opts.expiryIntervalSec ?? null,
})

/** A PUBACK/PUBCOMP from a client; msgId null when the host could not tell which stored message it was. */
export const ack = (clientId: string, topic: string, msgId: string | null, at = 6000, packetId: number | null = 1): MqttAck => ({
  type: 'mqtt.ack', clientId, topic, packetId, msgId, at,
})
