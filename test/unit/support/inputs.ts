/** Builders of decoded input events for unit tests. */
import type { MqttConnect, MqttDisconnect, MqttPublish, MqttSubscribe, MqttUnsubscribe } from '../../../src/events/input.js'

export const connect = (clientId: string, connectionId: string, at = 1000): MqttConnect => ({
  type: 'mqtt.connect', clientId, connectionId, at, username: 'u', cleanStart: true, protocolVersion: 5,
})
export const disconnect = (clientId: string, connectionId: string, at = 2000, reason = 'normal'): MqttDisconnect => ({
  type: 'mqtt.disconnect', clientId, connectionId, at, reason,
})
export const subscribe = (clientId: string, filter: string, qos: 0 | 1 | 2 = 1, at = 3000): MqttSubscribe => ({
  type: 'mqtt.subscribe', clientId, filter, qos, at, options: { nl: false, rap: false, rh: 0 },
})
export const unsubscribe = (clientId: string, filter: string, at = 4000): MqttUnsubscribe => ({
  type: 'mqtt.unsubscribe', clientId, filter, at,
})
export const publish = (clientId: string, topic: string, payload: Buffer, retain: boolean, at = 5000): MqttPublish => ({
  type: 'mqtt.publish', clientId, topic, payload, retain, qos: 1, at, msgId: `m-${at}`,
})
