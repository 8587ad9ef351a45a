/**
 * Small helpers for answering MQTT.js through its callbacks.
 */
import type { StoredPacket } from './codec.js'

/**
 * Call back outside the promise chain: an exception thrown by MQTT.js'
 * callback must surface as it would from the in-memory Store, not become a
 * rejected promise nobody awaits.
 *
 * @example
 * redisCall.then(() => deliver(() => cb()))
 */
export function deliver(fn: () => void): void {
  try {
    fn()
  } catch (err) {
    process.nextTick(() => {
      throw err
    })
  }
}

/** "PUBLISH 17", for messages. */
export function label(packet: Pick<StoredPacket, 'cmd' | 'messageId'>): string {
  return `${packet.cmd.toUpperCase()} ${packet.messageId ?? '(no id)'}`
}

/** MQTT packet identifiers are 1 to 65535 [MQTT-2.3.1-1]. */
export function isMessageId(id: unknown): id is number {
  return typeof id === 'number' && Number.isInteger(id) && id >= 1 && id <= 65535
}
