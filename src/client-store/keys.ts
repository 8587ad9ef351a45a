/**
 * The Redis keys of the MQTT.js client store, spelled here and nowhere else.
 *
 * paho-mqtt-redis names its hash after the client id and the server URI; so
 * does this store, with one namespace per (clientId, serverUri):
 *
 *   mqttjs:<prefix>{<n>:<clientId>,<m>:<serverUri>,}
 *
 * where n and m are UTF-8 byte lengths (netstrings). The lengths make the
 * encoding injective: a client id or URI containing ':', ',', '{' or '}' can
 * never make two different pairs share a namespace. Every key of a namespace
 * starts with the same characters up to and including the closing '}', so
 * whatever Redis Cluster takes as the hash tag, all of them land in one slot
 * (the put script touches two keys at once).
 *
 * Under the namespace, per side (`in` for QoS 2 messages received and not yet
 * released, `out` for QoS 1/2 messages sent and not yet acknowledged):
 *   <ns>:<side>:packets  hash   message id -> encoded packet
 *   <ns>:<side>:order    zset   message id, scored by the sequence of its first put
 * Both keys vanish when the side is empty; nothing else is written.
 *
 * @example
 * const keys = clientStoreKeys({ clientId: 'sensor-7', serverUri: 'mqtt://broker:1883' })
 * keys.outgoing.packets // 'mqttjs:{8:sensor-7,18:mqtt://broker:1883,}:out:packets'
 */
/** The start of every client-store key, apart from the engine's `mqtt:` keys. */
export const CLIENT_STORE_ROOT = 'mqttjs:'

export interface SideKeys {
  /** Hash: message id -> encoded packet. */
  readonly packets: string
  /** Sorted set: message ids scored by first-put sequence. */
  readonly order: string
}

export interface ClientStoreKeys {
  /** Common start of every key of this (clientId, serverUri). */
  readonly namespace: string
  readonly incoming: SideKeys
  readonly outgoing: SideKeys
}

export interface ClientStoreKeyOptions {
  readonly clientId: string
  readonly serverUri: string
  /** Put after `mqttjs:`; must not contain '{' or '}', which would move the cluster hash tag. */
  readonly prefix?: string
}

function netstring(s: string): string {
  return `${Buffer.byteLength(s, 'utf8')}:${s},`
}

/**
 * The keys for one (clientId, serverUri).
 *
 * @example
 * clientStoreKeys({ clientId: 'a', serverUri: 'mqtt://h:1883', prefix: 'plant-3:' }).namespace
 * // 'mqttjs:plant-3:{1:a,13:mqtt://h:1883,}'
 */
export function clientStoreKeys(opts: ClientStoreKeyOptions): ClientStoreKeys {
  const prefix = opts.prefix ?? ''
  if (/[{}]/.test(prefix)) throw new TypeError(`client store prefix ${JSON.stringify(prefix)} must not contain '{' or '}'`)
  const namespace = `${CLIENT_STORE_ROOT}${prefix}{${netstring(opts.clientId)}${netstring(opts.serverUri)}}`
  const side = (name: string): SideKeys => ({ packets: `${namespace}:${name}:packets`, order: `${namespace}:${name}:order` })
  return { namespace, incoming: side('in'), outgoing: side('out') }
}

/** Every key of one namespace, for tests and for a README table checked against the code. */
export function allClientStoreKeys(keys: ClientStoreKeys): readonly string[] {
  return [keys.incoming.packets, keys.incoming.order, keys.outgoing.packets, keys.outgoing.order]
}
