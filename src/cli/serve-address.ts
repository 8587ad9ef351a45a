/**
 * Where a running `serve` can be reached, written to `<data>/serve.json`
 * while it runs (and removed when it stops), so that `mqtt-redis simulate`
 * and `inspect`, started from the same folder, find it without being told
 * the ports: serve picks free ones when 1883 or 8080 are taken.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { processAlive } from '../util/process-alive.js'

export interface ServeAddress {
  readonly pid: number
  readonly mqtt: string
  readonly http: string | null
  readonly redis: string
}

export const SERVE_FILE = 'serve.json'

export function writeServeAddress(dataDir: string, address: ServeAddress): () => void {
  const file = join(dataDir, SERVE_FILE)
  try {
    writeFileSync(file, JSON.stringify(address, null, 2) + '\n')
  } catch {
    return () => undefined // a read-only data folder: the other commands then need --url
  }
  return () => rmSync(file, { force: true })
}

/** The address of a serve running from `dataDir`, or null (none, or it died without removing the file). */
export function readServeAddress(dataDir: string): ServeAddress | null {
  const file = join(dataDir, SERVE_FILE)
  if (!existsSync(file)) return null
  try {
    const v: unknown = JSON.parse(readFileSync(file, 'utf8'))
    if (typeof v !== 'object' || v === null) return null
    const o = v as Record<string, unknown>
    if (typeof o['pid'] !== 'number' || typeof o['mqtt'] !== 'string' || typeof o['redis'] !== 'string') return null
    if (!processAlive(o['pid'])) return null
    return { pid: o['pid'], mqtt: o['mqtt'], http: typeof o['http'] === 'string' ? o['http'] : null, redis: o['redis'] }
  } catch {
    return null
  }
}
