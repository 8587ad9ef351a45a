/**
 * Merging the logs of several engine nodes into one stream, ordered by the
 * time of each event (ties keep the order of the logs given), so a replay of
 * every node's log into one Redis rebuilds what the nodes built live.
 * Within one log the order is always the log's own.
 */
import type { LogRecord } from '../log/reader.js'

export async function* mergeByTime(sources: ReadonlyArray<AsyncIterable<LogRecord>>): AsyncGenerator<LogRecord> {
  const its = sources.map((s) => s[Symbol.asyncIterator]())
  const heads: Array<LogRecord | null> = await Promise.all(its.map(async (it) => ((await it.next()).value as LogRecord | undefined) ?? null))
  for (;;) {
    let best = -1
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]
      if (h && (best === -1 || h.event.meta.at < (heads[best] as LogRecord).event.meta.at)) best = i
    }
    if (best === -1) return
    yield heads[best] as LogRecord
    const next = await (its[best] as AsyncIterator<LogRecord>).next()
    heads[best] = next.done ? null : next.value
  }
}
