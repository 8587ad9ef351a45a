/**
 * The recent events of one client from the event log, read from the end:
 * a window of the last positions first, widened until it holds enough of
 * the client's events or reaches the start of the log.
 */
import { readEventLog, logStats, type LogRecord } from '../log/reader.js'
import { formatRecord } from '../cli/log-command.js'

export interface EventLine {
  readonly position: number
  readonly type: string
  readonly time: string
  readonly node: string
  /** The event's data as `mqtt-redis log` prints it (payloads as text or base64). */
  readonly data: unknown
}

export function eventLine(r: LogRecord): EventLine {
  const printed: unknown = JSON.parse(formatRecord(r))
  const data = typeof printed === 'object' && printed !== null && 'data' in printed ? printed.data : null
  return { position: r.position, type: r.event.type, time: new Date(r.event.meta.at).toISOString(), node: r.event.meta.node, data }
}

/**
 * The last `limit` events whose session is `clientId`, oldest first.
 *
 * @example
 * await recentEvents('./data/events', 'dev-1', 20)
 */
export async function recentEvents(dir: string, clientId: string, limit = 20, firstWindow = 4096): Promise<LogRecord[]> {
  const { firstPosition, lastPosition } = await logStats(dir)
  if (lastPosition === 0 || limit <= 0) return []
  for (let window = firstWindow; ; window *= 8) {
    const from = Math.max(firstPosition, lastPosition - window + 1)
    const found: LogRecord[] = []
    for await (const r of readEventLog(dir, { from, tolerateTornTail: true })) {
      // Records appended since logStats are left for the next look.
      if (r.position > lastPosition) break
      if (r.event.meta.clientId !== clientId) continue
      found.push(r)
      if (found.length > limit) found.shift()
    }
    if (found.length >= limit || from <= firstPosition) return found
  }
}
