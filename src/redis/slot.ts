/**
 * Redis Cluster's key slots, computed here the way a cluster node computes
 * them, so tests (and startup checks) can tell whether keys share a slot
 * without asking a cluster.
 *
 * A key's slot is CRC16 (the XMODEM variant: polynomial 0x1021, initial value
 * 0, no reflection) of its bytes, modulo 16384. When the key holds a hash
 * tag, only the tag is hashed: the bytes between the first `{` and the first
 * `}` after it, if there is at least one byte between them. Keys with the
 * same tag share a slot, which is what lets one script or one MULTI/EXEC
 * touch several of them on a cluster.
 */

export const SLOTS = 16384

const OPEN = 0x7b // {
const CLOSE = 0x7d // }

let table: Uint16Array | null = null

function crcTable(): Uint16Array {
  if (table) return table
  const t = new Uint16Array(256)
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
    t[byte] = crc
  }
  table = t
  return t
}

/**
 * CRC16/XMODEM of `bytes[start, end)`.
 *
 * @example
 * crc16(Buffer.from('123456789')) // 0x31c3, the variant's check value
 */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = crcTable()
  let crc = 0
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ (t[((crc >> 8) ^ (bytes[i] as number)) & 0xff] as number)
  return crc
}

/** The bytes Redis hashes for `key`: [start, end) of its UTF-8 bytes. */
function hashedRange(bytes: Uint8Array): [number, number] {
  const open = bytes.indexOf(OPEN)
  if (open < 0) return [0, bytes.length]
  const close = bytes.indexOf(CLOSE, open + 1)
  if (close < 0 || close === open + 1) return [0, bytes.length]
  return [open + 1, close]
}

/**
 * The hash tag of `key` (the part its slot is computed from), or null when
 * the whole key is hashed.
 *
 * @example
 * hashTag('{mqtt}:client:dev-1') // 'mqtt'
 * hashTag('mqtt:client:dev-1')   // null
 * hashTag('a{}b{c}')             // null: the first `{` decides, and `{}` is empty
 */
export function hashTag(key: string): string | null {
  const bytes = Buffer.from(key, 'utf8')
  const [start, end] = hashedRange(bytes)
  return start === 0 && end === bytes.length ? null : bytes.subarray(start, end).toString('utf8')
}

/**
 * The cluster slot of `key`, as CLUSTER KEYSLOT answers it.
 *
 * @example
 * keySlot('{mqtt}:client:dev-1') === keySlot('{mqtt}:idx:seq') // true
 */
export function keySlot(key: string | Buffer): number {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key
  const [start, end] = hashedRange(bytes)
  return crc16(bytes, start, end) % SLOTS
}

/**
 * Do all `keys` hash to one slot (so one script or MULTI/EXEC may touch them
 * on a cluster)? True for no keys or one.
 *
 * @example
 * keysShareSlot(['{mqtt}:msg:a/b', '{mqtt}:idx:expiry']) // true
 * keysShareSlot(['mqtt:msg:a/b', 'mqtt:idx:expiry'])     // false
 */
export function keysShareSlot(keys: Iterable<string | Buffer>): boolean {
  let first: number | null = null
  for (const k of keys) {
    const s = keySlot(k)
    if (first === null) first = s
    else if (s !== first) return false
  }
  return true
}
