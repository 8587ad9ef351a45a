/**
 * The event log's size on disk: the bytes of the files in its directory
 * (segments and the lock file), read at most once per `maxAgeMs`.
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'

export function logSizeReader(dir: string, maxAgeMs = 1000): () => Promise<number | null> {
  let cached: { at: number; bytes: number | null } | null = null
  let reading: Promise<number | null> | null = null
  const read = async (): Promise<number | null> => {
    try {
      const names = await readdir(dir)
      const sizes = await Promise.all(names.map((n) => stat(join(dir, n)).then((s) => (s.isFile() ? s.size : 0), () => 0)))
      return sizes.reduce((a, b) => a + b, 0)
    } catch {
      return null
    }
  }
  return () => {
    if (cached && Date.now() - cached.at < maxAgeMs) return Promise.resolve(cached.bytes)
    reading ??= read().then((bytes) => {
      cached = { at: Date.now(), bytes }
      reading = null
      return bytes
    })
    return reading
  }
}
