/**
 * The payloads of the simulated devices, shaped as in EMQX's "MQTT to Redis"
 * statistics demo.
 */
import type { Random } from './random.js'

export interface Telemetry {
  readonly message: string
  readonly clientId: string
  /** How long the device has been running, e.g. "12s". */
  readonly duration: string
  /** Temperature, 0 to 50, two decimals. */
  readonly temp: number
  /** Humidity, 0 to 100, two decimals. */
  readonly hum: number
}

export function telemetry(random: Random, clientId: string, runningMs: number, message = 'this is a stored message'): Telemetry {
  return {
    message,
    clientId,
    duration: `${Math.floor(runningMs / 1000)}s`,
    temp: random.float(0, 50, 2),
    hum: random.float(0, 100, 2),
  }
}

/**
 * A PUBLISH whose fixed header sets both QoS bits (QoS 3, which MQTT
 * forbids), to topic `x`, packet id 1, payload `!`. MQTT.js cannot send one,
 * so the device writes these bytes to its socket itself.
 */
export function malformedPublish(): Buffer {
  // 0x36: PUBLISH (3 << 4) with QoS bits 11; remaining length 6: topic length 1, "x", packet id 1, payload "!".
  return Buffer.from([0x36, 0x06, 0x00, 0x01, 0x78, 0x00, 0x01, 0x21])
}
