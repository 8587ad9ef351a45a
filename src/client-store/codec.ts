/**
 * Packets to bytes and back, so that what `get` and `createStream` return is
 * what MQTT.js handed to `put`: a Buffer payload comes back as a Buffer with
 * the same bytes, a string payload as the same string, and Buffers inside
 * MQTT 5 properties (correlationData, authenticationData) as Buffers.
 *
 * Layout (version 1):
 *   byte 0       format version (1)
 *   byte 1       payload kind: 0 none or string (kept in the JSON), 1 Buffer (raw bytes at the end)
 *   bytes 2..5   length of the JSON part, unsigned 32-bit big-endian
 *   JSON         the packet without a Buffer payload; Buffers as {"$buf": base64}
 *   rest         the Buffer payload, raw, so the bulk of a message is not base64-inflated
 *
 * In the JSON an object key starting with '$' gets one more '$' in front, so
 * a user property named "$buf" can never be read back as a Buffer.
 */
import type { IStore } from 'mqtt'
import { reason } from './errors.js'

/** A packet as MQTT.js hands it to a store. */
export type StoredPacket = Parameters<IStore['put']>[0]

const VERSION = 1
const HEADER = 6
const PAYLOAD_INLINE = 0
const PAYLOAD_RAW = 1
const BUF_TAG = '$buf'

function toJsonValue(value: unknown): unknown {
  if (value instanceof Uint8Array) return { [BUF_TAG]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') }
  if (Array.isArray(value)) return value.map(toJsonValue)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k.startsWith('$') ? `$${k}` : k] = toJsonValue(v)
    return out
  }
  return value
}

function fromJsonValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJsonValue)
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
    const only = entries.length === 1 ? entries[0] : undefined
    if (only && only[0] === BUF_TAG && typeof only[1] === 'string') return Buffer.from(only[1], 'base64')
    const out: Record<string, unknown> = {}
    for (const [k, v] of entries) out[k.startsWith('$') ? k.slice(1) : k] = fromJsonValue(v)
    return out
  }
  return value
}

/**
 * Encode a packet for the store's hash.
 *
 * @example
 * const bytes = encodePacket({ cmd: 'publish', topic: 't', payload: Buffer.from([0, 255]), qos: 1, retain: false, dup: false, messageId: 3 })
 * decodePacket(bytes).payload // <Buffer 00 ff>
 */
export function encodePacket(packet: StoredPacket): Buffer {
  const payload: unknown = Reflect.get(packet, 'payload')
  const raw = payload instanceof Uint8Array
  const rest: Record<string, unknown> = { ...packet }
  if (raw) delete rest['payload']
  const json = Buffer.from(JSON.stringify(toJsonValue(rest)), 'utf8')
  const header = Buffer.alloc(HEADER)
  header[0] = VERSION
  header[1] = raw ? PAYLOAD_RAW : PAYLOAD_INLINE
  header.writeUInt32BE(json.length, 2)
  return raw ? Buffer.concat([header, json, payload]) : Buffer.concat([header, json])
}

const COMMANDS = new Set(['publish', 'pubrel', 'pubrec', 'pubcomp', 'puback', 'subscribe', 'unsubscribe'])

/** Checks what MQTT.js relies on when it reads a packet back: a known command and, for a publish, a topic and QoS. */
function isStoredPacket(value: unknown): value is StoredPacket {
  if (value === null || typeof value !== 'object') return false
  const cmd: unknown = Reflect.get(value, 'cmd')
  if (typeof cmd !== 'string' || !COMMANDS.has(cmd)) return false
  const id: unknown = Reflect.get(value, 'messageId')
  if (id !== undefined && !Number.isInteger(id)) return false
  if (cmd !== 'publish') return true
  const qos: unknown = Reflect.get(value, 'qos')
  return typeof Reflect.get(value, 'topic') === 'string' && (qos === 0 || qos === 1 || qos === 2)
}

/**
 * Raised for bytes that are not a packet this codec wrote.
 *
 * @example
 * try { decodePacket(Buffer.from('x')) } catch (err) { err instanceof PacketDecodeError } // true
 */
export class PacketDecodeError extends Error {
  override readonly name = 'PacketDecodeError'
}

/**
 * Decode what `encodePacket` wrote.
 *
 * @throws PacketDecodeError when the bytes were not written by `encodePacket`.
 * @example
 * decodePacket(encodePacket({ cmd: 'pubrel', messageId: 9 })) // { cmd: 'pubrel', messageId: 9 }
 */
export function decodePacket(bytes: Buffer): StoredPacket {
  if (bytes.length < HEADER || bytes[0] !== VERSION) throw new PacketDecodeError(`stored packet has an unknown format (version byte ${bytes[0] ?? 'missing'})`)
  const kind = bytes[1]
  const jsonEnd = HEADER + bytes.readUInt32BE(2)
  if (jsonEnd > bytes.length || (kind !== PAYLOAD_INLINE && kind !== PAYLOAD_RAW)) throw new PacketDecodeError('stored packet is truncated or has an unknown payload kind')
  let parsed: unknown
  try {
    parsed = fromJsonValue(JSON.parse(bytes.toString('utf8', HEADER, jsonEnd)))
  } catch (err) {
    throw new PacketDecodeError(`stored packet is not valid JSON: ${reason(err)}`)
  }
  if (kind === PAYLOAD_RAW && parsed !== null && typeof parsed === 'object') Reflect.set(parsed, 'payload', Buffer.from(bytes.subarray(jsonEnd)))
  if (!isStoredPacket(parsed)) throw new PacketDecodeError('stored packet lacks a known cmd, an integer messageId, or (for a publish) a topic and QoS')
  return parsed
}
