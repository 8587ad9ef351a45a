/**
 * A publisher that keeps sending retained QoS 1 messages to fresh topics
 * (`${prefix}${n}`, payload `v${n}`) until stopped, recording the topics the
 * broker acknowledged: for tests that stop, kill or starve the server mid-traffic.
 */
import type { MqttClient } from 'mqtt'

export interface Pump {
  /** Topics whose PUBACK arrived, in the order they arrived. */
  readonly acked: string[]
  stop(): void
}

export function startPump(client: MqttClient, prefix: string, perTick = 20, everyMs = 2): Pump {
  const acked: string[] = []
  let n = 0
  const timer = setInterval(() => {
    for (let k = 0; k < perTick; k++, n++) {
      const topic = `${prefix}${n}`
      client.publishAsync(topic, `v${n}`, { qos: 1, retain: true }).then(() => acked.push(topic), () => undefined)
    }
  }, everyMs)
  return { acked, stop: () => clearInterval(timer) }
}
