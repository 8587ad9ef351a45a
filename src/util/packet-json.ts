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
 *
 * The text is exactly JSON.stringify with the tagging replacer
 * (`packetToJsonGeneral`); a packet's own fields (strings, numbers, booleans,
 * payload bytes, undefined) are written directly, which is several times
 * faster than calling a replacer for each (it ran for every packet the Aedes
 * persistence stores), and anything nested goes through the general path.
 */
export function packetToJson(packet: object): string {
  if (Array.isArray(packet) || packet instanceof Uint8Array || typeof (packet as { toJSON?: unknown }).toJSON === 'function') return packetToJsonGeneral(packet)
  const fields = packet as Record<string, unknown>
  let out = '{'
  for (const key of Object.keys(fields)) {
    const v = fields[key]
    let text: string | undefined
    switch (typeof v) {
      case 'string':
        text = JSON.stringify(v)
        break
      case 'number':
        text = Number.isFinite(v) ? String(v) : 'null'
        break
      case 'boolean':
        text = v ? 'true' : 'false'
        break
      case 'undefined':
        text = UNDEFINED_JSON
        break
      case 'function':
      case 'symbol':
        // JSON leaves them out.
        continue
      default:
        text = v === null ? 'null' : v instanceof Uint8Array ? bytesJson(v) : packetToJsonGeneral(v as object)
        // Something whose toJSON gives undefined: left out, as JSON does.
        if (text === undefined) continue
    }
    out += (out.length === 1 ? '' : ',') + keyJson(key) + text
  }
  return out + '}'
}

/** `"key":` of the field names seen most (a packet's own; at most 256 kept). */
const KEYS = new Map<string, string>()
function keyJson(key: string): string {
  let text = KEYS.get(key)
  if (text === undefined) {
    text = JSON.stringify(key) + ':'
    if (KEYS.size < 256) KEYS.set(key, text)
  }
  return text
}

const UNDEFINED_JSON = JSON.stringify({ [UNDEFINED]: 1 })
const BYTES_KEY_JSON = JSON.stringify(BYTES)

function bytesJson(raw: Uint8Array): string {
  return `{${BYTES_KEY_JSON}:"${Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64')}"}`
}

/** Any value as JSON with the tags: JSON.stringify with a replacer. */
export function packetToJsonGeneral(value: unknown): string {
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key: string, v: unknown) {
    // The value before its toJSON (a Buffer's turns it into {type, data}); at the top, `this` is {'': value}.
    const raw = this[key]
    if (raw instanceof Uint8Array) return { [BYTES]: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') }
    if (raw === undefined) return { [UNDEFINED]: 1 }
    return v
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
