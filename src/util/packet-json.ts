/**
 * A broker's packet as text and back, exactly: Buffers (payloads, MQTT 5
 * correlation data) stay Buffers, strings stay strings, and a property set
 * to undefined (a queued packet's `messageId`) is still there when read.
 * Plain JSON would turn a Buffer into `{type, data: [...]}` and drop
 * undefined; the tags below are objects with one key that starts with NUL,
 * which no MQTT field name does.
 */
const BYTES = '\u0000b'
const UNDEFINED = '\u0000u'

/**
 * @example
 * packetFromJson(packetToJson({ cmd: 'publish', payload: Buffer.from('hi'), messageId: undefined }))
 * // { cmd: 'publish', payload: <Buffer 68 69>, messageId: undefined }
 */
export function packetToJson(packet: object): string {
  return JSON.stringify(packet, function replacer(this: Record<string, unknown>, key: string, value: unknown) {
    const raw = key === '' ? value : this[key]
    if (raw instanceof Uint8Array) return { [BYTES]: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') }
    if (raw === undefined) return { [UNDEFINED]: 1 }
    return value
  })
}

export function packetFromJson<T = Record<string, unknown>>(text: string): T {
  return revive(JSON.parse(text)) as T
}

function revive(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(revive)
  if (typeof v !== 'object' || v === null) return v
  const o = v as Record<string, unknown>
  const bytes = o[BYTES]
  if (typeof bytes === 'string') return Buffer.from(bytes, 'base64')
  if (o[UNDEFINED] === 1) return undefined
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(o)) out[k] = revive(o[k])
  return out
}
