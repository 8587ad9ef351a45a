/**
 * `mqtt-redis replay`: rebuild the Redis projections from event logs.
 */
import { SingleBar } from 'cli-progress'
import { Redis } from 'ioredis'
import { logStats, readEventLog, readEventLogChunks } from '../log/reader.js'
import { createKeys } from '../redis/keys.js'
import { applyLog, checkpointOf } from '../replay/apply-log.js'
import { mergeByTime } from '../replay/merge.js'

export interface ReplayOptions {
  readonly log: readonly string[]
  readonly redis: string
  readonly flush: boolean
  /** Start at this position of every log; absent: just after each node's checkpoint in Redis. */
  readonly from?: number
  readonly prefix: string
}

/** The node a log belongs to (from its first record), or null for an empty log. */
async function nodeOf(dir: string): Promise<string | null> {
  for await (const r of readEventLog(dir)) return r.event.meta.node
  return null
}

/** Delete every key under the prefix (SCAN + UNLINK: an admin step, never on a hot path). */
async function flushPrefix(redis: Redis, prefix: string): Promise<number> {
  const pattern = prefix.replace(/[*?[\]\\]/g, '\\$&') + '*'
  let cursor = '0'
  let n = 0
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) n += await redis.unlink(...keys)
  } while (cursor !== '0')
  return n
}

export async function replay(opts: ReplayOptions, out: NodeJS.WriteStream = process.stdout): Promise<void> {
  const redis = new Redis(opts.redis, { maxRetriesPerRequest: null })
  try {
    const keys = createKeys(opts.prefix)
    if (opts.flush) out.write(`flushed ${await flushPrefix(redis, opts.prefix)} keys under ${opts.prefix}\n`)
    // Where each log starts: --from, or just after what Redis already has, so a second
    // replay of the same logs changes nothing.
    const starts = new Map<string, number>()
    let total = 0
    for (const dir of opts.log) {
      const node = await nodeOf(dir)
      const from = opts.from ?? (node === null ? 1 : (await checkpointOf(redis, keys, node)) + 1)
      starts.set(dir, from)
      const st = await logStats(dir)
      total += Math.max(0, st.lastPosition - Math.max(from, st.firstPosition) + 1)
    }
    const started = Date.now()
    const rate = (n: number) => Math.round(n / Math.max(0.001, (Date.now() - started) / 1000))
    let report: (n: number) => void
    let done: (n: number) => void
    if (out.isTTY) {
      const bar = new SingleBar({ format: 'replay [{bar}] {percentage}% | {value}/{total} events | {rate}/s | ETA {eta_formatted}', hideCursor: true })
      bar.start(total, 0, { rate: 0 })
      report = (n) => bar.update(n, { rate: rate(n) })
      done = (n) => {
        bar.update(n, { rate: rate(n) })
        bar.stop()
      }
    } else {
      let last = 0
      report = (n) => {
        if (Date.now() - last < 1000) return
        last = Date.now()
        out.write(`replayed ${n}/${total} events (${rate(n)}/s)\n`)
      }
      done = () => undefined
    }
    // One log is read in chunks; several are merged record by record in time order.
    const [only] = opts.log
    const records = opts.log.length === 1 && only !== undefined
      ? readEventLogChunks(only, { from: starts.get(only) ?? 1 })
      : mergeByTime(opts.log.map((d) => readEventLog(d, { from: starts.get(d) ?? 1 })))
    const r = await applyLog(redis, keys, records, { onProgress: report, exclusive: true })
    done(r.applied)
    const secs = (Date.now() - started) / 1000
    out.write(`replayed ${r.applied} events in ${secs.toFixed(2)} s (${rate(r.applied)} events/s)${r.commandErrors ? `, ${r.commandErrors} commands refused by redis` : ''}\n`)
    for (const [node, pos] of r.positions) out.write(`  node ${node}: applied up to position ${pos}\n`)
  } finally {
    redis.disconnect()
  }
}
