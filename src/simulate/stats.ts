/**
 * The counters of a simulation run and the one-line summary printed from them.
 */
export interface Counters {
  /** Publishes handed to MQTT.js (telemetry and extra actions, bad ones included). */
  sent: number
  /** QoS 1 publishes the broker acknowledged (PUBACK). */
  acked: number
  /** Messages the persistent-session subscribers received. */
  received: number
  /** Connections made again: devices after the broker closed them, subscribers coming back. */
  reconnects: number
  /** Deliberate misbehaviour: refused, wildcard and malformed publishes. */
  bad: number
  /** MQTT.js errors and failed publishes (not counting those cut short by the end of the run). */
  errors: number
  /** Ticks a device skipped because it was not connected at that moment. */
  skipped: number
}

export function emptyCounters(): Counters {
  return { sent: 0, acked: 0, received: 0, reconnects: 0, bad: 0, errors: 0, skipped: 0 }
}

export interface Presence {
  readonly devicesOnline: number
  readonly devices: number
  readonly subscribersOnline: number
  readonly subscribers: number
}

/**
 * @example
 * summaryLine(3.2, { devicesOnline: 4, devices: 5, subscribersOnline: 1, subscribers: 2 }, counters)
 * // 'simulate 3.2s: devices 4/5 online, subscribers 1/2 online, sent 40, acked 31, received 12, reconnects 1, bad 1, errors 0, skipped 2'
 */
export function summaryLine(elapsedSec: number, p: Presence, c: Counters, label = 'simulate'): string {
  return `${label} ${elapsedSec.toFixed(1)}s: devices ${p.devicesOnline}/${p.devices} online, subscribers ${p.subscribersOnline}/${p.subscribers} online, ` +
    `sent ${c.sent}, acked ${c.acked}, received ${c.received}, reconnects ${c.reconnects}, bad ${c.bad}, errors ${c.errors}, skipped ${c.skipped}`
}
