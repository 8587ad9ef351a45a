/**
 * Carrying a stored message's id through Aedes to the subscriber's ack.
 *
 * Aedes copies a packet's MQTT 5 `properties` into every delivery it makes
 * and keeps them in its outgoing store, so the packet handed back with the
 * `ack` event still has them. Aedes speaks MQTT 3.1/3.1.1 only, and those
 * versions never put properties on the wire, so the tag stays inside the
 * broker.
 */
const TAG = 'mqtt-redis-msgid'

interface WithProperties {
  properties?: { userProperties?: Record<string, string | string[]> } & Record<string, unknown>
}

/** `properties` for a packet, with the message id added to whatever it had. */
export function tagged(msgId: string, packet: WithProperties = {}): WithProperties {
  const props = packet.properties ?? {}
  return { properties: { ...props, userProperties: { ...props.userProperties, [TAG]: msgId } } }
}

/** The stored message id a packet carries, or null. */
export function msgIdOf(packet: unknown): string | null {
  if (typeof packet !== 'object' || packet === null) return null
  const v = (packet as WithProperties).properties?.userProperties?.[TAG]
  return typeof v === 'string' ? v : null
}
