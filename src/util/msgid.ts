/**
 * Message ids: 20 characters of base62, unique across engine nodes and
 * ordered by time when compared as strings (EMQX ids are 20-character base62
 * too, e.g. `6P9NLcJ65VXBbC22sYb4`).
 *
 * Layout: 9 chars of milliseconds since the epoch, 4 chars identifying the
 * generator (node name hashed with a random salt, so two processes that share
 * a node name still differ), 7 chars of a counter that only grows.
 */
import { createHash, randomBytes } from 'node:crypto'

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

function base62(n: number, width: number): string {
  let out = ''
  let v = Math.floor(n)
  for (let i = 0; i < width; i++) {
    out = ALPHABET[v % 62] + out
    v = Math.floor(v / 62)
  }
  return out
}

export type IdGenerator = (atMs: number) => string

/**
 * @example
 * const next = createIdGenerator('node-a')
 * next(Date.now()) // e.g. '0Lx3b2Kq1' + 'aZ09' + '0000001'
 */
export function createIdGenerator(node: string, salt: Buffer = randomBytes(8)): IdGenerator {
  const digest = createHash('sha256').update(node).update(salt).digest()
  const nodePart = base62(digest.readUInt32BE(0) % 62 ** 4, 4)
  let counter = 0
  let lastMs = 0
  return (atMs) => {
    // Never go back in time, even if the wall clock does, so ids stay ordered.
    lastMs = Math.max(lastMs, atMs)
    counter = (counter + 1) % 62 ** 7
    return base62(lastMs, 9) + nodePart + base62(counter, 7)
  }
}
