/** Helpers for the event log's integration tests: a fresh directory per test, captured logs, raw file access. */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import { afterEach, beforeEach } from 'vitest'
import { readEventLog, type LogRecord } from '../../../src/log/reader.js'

/** A fresh temporary directory for each test, removed after it; call inside a describe or at the top of a file. */
export function useTempDir(): () => string {
  let dir = ''
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mqr-log-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })
  return () => dir
}

export interface CapturedLogger {
  readonly logger: Logger
  /** Every line logged so far, parsed. */
  lines(): Array<Record<string, unknown>>
}

/** A real pino logger writing to memory. */
export function captureLogger(): CapturedLogger {
  const out: string[] = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => void out.push(line) })
  return { logger, lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) }
}

/** Every record `readEventLog` yields. */
export async function readAll(dir: string, opts?: Parameters<typeof readEventLog>[1]): Promise<LogRecord[]> {
  const out: LogRecord[] = []
  for await (const r of readEventLog(dir, opts)) out.push(r)
  return out
}

/** The segment file names in `dir`, in order. */
export async function segmentNames(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.seg')).sort()
}

/**
 * Byte offsets of the frames in a segment file, parsed by hand from the
 * documented format (32-byte header, then `[u32 length][u32 crc][payload]`).
 */
export async function frameOffsets(file: string): Promise<number[]> {
  const buf = await readFile(file)
  const offsets: number[] = []
  for (let at = 32; at + 8 <= buf.length; at += 8 + buf.readUInt32BE(at)) offsets.push(at)
  return offsets
}
