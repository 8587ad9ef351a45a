/**
 * `mqtt-redis log`: the event log for people. One JSON line per event:
 * {position, type, meta, data}; a payload that is UTF-8 text is shown as
 * text, other payloads as {"base64": "..."}.
 */
import { readEventLog, type LogRecord } from '../log/reader.js'

export interface LogFilter {
  readonly clientId?: string
  readonly types?: readonly string[]
  /** Milliseconds since the epoch, inclusive. */
  readonly since?: number
  readonly until?: number
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function showPayload(b: Buffer): unknown {
  try {
    return utf8.decode(b)
  } catch {
    return { base64: b.toString('base64') }
  }
}

export function formatRecord(r: LogRecord): string {
  const e = r.event
  const data = 'payload' in e.data && e.data.payload !== null ? { ...e.data, payload: showPayload(e.data.payload) } : e.data
  return JSON.stringify({ position: r.position, type: e.type, meta: { ...e.meta, time: new Date(e.meta.at).toISOString() }, data })
}

export function matchesFilter(r: LogRecord, f: LogFilter): boolean {
  const e = r.event
  if (f.clientId !== undefined && e.meta.clientId !== f.clientId) return false
  if (f.types && f.types.length > 0 && !f.types.includes(e.type)) return false
  if (f.since !== undefined && e.meta.at < f.since) return false
  if (f.until !== undefined && e.meta.at > f.until) return false
  return true
}

/** Print matching records; with `follow`, keep printing new ones until `signal` aborts. */
export async function printLog(dir: string, filter: LogFilter, opts: { follow: boolean; signal?: AbortSignal }, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  let next = 1
  for (;;) {
    for await (const r of readEventLog(dir, { from: next, tolerateTornTail: opts.follow })) {
      next = r.position + 1
      if (matchesFilter(r, filter)) out.write(formatRecord(r) + '\n')
    }
    if (!opts.follow || opts.signal?.aborted) return
    await new Promise((r) => setTimeout(r, 250))
    if (opts.signal?.aborted) return
  }
}
