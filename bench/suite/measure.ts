/**
 * How `mqtt-redis bench` measures one contender: wall time, per-op latency
 * (submit to Redis ack), peak RSS sampled while it runs, the process' CPU
 * time, and Redis' main-thread CPU time from INFO.
 *
 * Latency: a contender that calls per op (the engine, the peer) records each
 * op's own latency; a pipelined contender records each batch's latency and
 * gives it to every op of the batch.
 */
import { performance } from 'node:perf_hooks'
import type { Redis } from 'ioredis'

export type ContenderName = 'limit' | 'ioredis' | 'peer' | 'engine'
export const CONTENDERS: readonly ContenderName[] = ['limit', 'ioredis', 'peer', 'engine']

export interface ContenderResult {
  readonly opsPerSec: number
  /** Latency from submitting an op to its Redis ack, milliseconds. */
  readonly p50Ms: number
  readonly p99Ms: number
  /** Peak resident set size of this process while the contender ran (setup included), MiB. */
  readonly rssMb: number
  /** Resident set size when the contender started, MiB (what earlier work left). */
  readonly rssStartMb: number
  readonly ops: number
  readonly wallMs: number
  /** This process' CPU time (user + system) per op, microseconds. */
  readonly cpuUsPerOp: number
  /** This process' CPU time over wall time, percent of one core. */
  readonly cpuPct: number
  /** Redis' main-thread CPU time per op, microseconds. */
  readonly redisCpuUsPerOp: number
  /** Ops that failed (a refused command, a rejected input, a short read). */
  readonly errors: number
  /** Keys in the contender's Redis database afterwards. */
  readonly keys: number
  /** Scenario-specific numbers (e.g. messages per second of a fetch). */
  readonly extra?: Readonly<Record<string, number>>
}

/** What a timed run reports besides its latencies. */
export interface RunOutcome {
  readonly errors: number
  readonly extra?: Readonly<Record<string, number>>
}

/** A contender ready to run: set up (and warmed up) outside the timing. */
export interface Prepared {
  /** Number of ops `run` performs. */
  readonly ops: number
  /** The timed part; fills `lat` (one entry per op, milliseconds). */
  run(lat: Float64Array): Promise<RunOutcome>
  /** Close what prepare opened (not timed). */
  dispose(): Promise<void>
}

export const now = (): number => performance.now()

/** Milliseconds of percentile `p` (0..1) of `lat`, sorted in place. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))
  return sorted[i] ?? 0
}

const MB = 1024 * 1024

/** Samples RSS every `everyMs` until stopped; `peak` is the largest seen. */
export class RssSampler {
  private peakBytes: number
  private readonly timer: NodeJS.Timeout

  constructor(everyMs = 20) {
    this.peakBytes = process.memoryUsage.rss()
    this.timer = setInterval(() => this.sample(), everyMs)
  }

  sample(): void {
    const r = process.memoryUsage.rss()
    if (r > this.peakBytes) this.peakBytes = r
  }

  stop(): number {
    clearInterval(this.timer)
    this.sample()
    return this.peakBytes / MB
  }
}

/** Redis' main-thread CPU time so far, microseconds. */
export async function redisCpuUs(admin: Redis): Promise<number> {
  const text = await admin.info('cpu')
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)?.[1] ?? NaN)
  const main = field('used_cpu_user_main_thread') + field('used_cpu_sys_main_thread')
  return (Number.isFinite(main) ? main : field('used_cpu_user') + field('used_cpu_sys')) * 1e6
}

/**
 * Prepare a contender, run it with the clocks on, dispose of it.
 * `db`: the Redis database whose keys are counted afterwards.
 */
export async function measure(admin: Redis, prepare: () => Promise<Prepared>, db = 0): Promise<ContenderResult> {
  const rssStartMb = process.memoryUsage.rss() / MB
  const sampler = new RssSampler()
  let prepared: Prepared | null = null
  try {
    prepared = await prepare()
    const lat = new Float64Array(prepared.ops)
    const redisBefore = await redisCpuUs(admin)
    const cpuBefore = process.cpuUsage()
    const t0 = now()
    const outcome = await prepared.run(lat)
    const wallMs = now() - t0
    const cpu = process.cpuUsage(cpuBefore)
    const redisAfter = await redisCpuUs(admin)
    const rssMb = sampler.stop()
    const ops = prepared.ops
    lat.sort()
    if (db !== 0) await admin.select(db)
    const keys = await admin.dbsize()
    if (db !== 0) await admin.select(0)
    const cpuMs = (cpu.user + cpu.system) / 1000
    return {
      opsPerSec: ops / (wallMs / 1000),
      p50Ms: percentile(lat, 0.5),
      p99Ms: percentile(lat, 0.99),
      rssMb,
      rssStartMb,
      ops,
      wallMs,
      cpuUsPerOp: (cpuMs * 1000) / ops,
      cpuPct: (cpuMs / wallMs) * 100,
      redisCpuUsPerOp: (redisAfter - redisBefore) / ops,
      errors: outcome.errors,
      keys,
      ...(outcome.extra ? { extra: outcome.extra } : {}),
    }
  } finally {
    sampler.stop()
    if (prepared) await prepared.dispose()
  }
}

/**
 * Ops `0 .. n-1`, each one call, `width` of them in flight; each op's
 * latency from its call to its resolution goes to `lat[i]`. Ops start in
 * index order. `call` answers false for an op that failed.
 */
export async function closedLoop(n: number, width: number, call: (i: number) => Promise<boolean>, lat?: Float64Array): Promise<number> {
  let next = 0
  let errors = 0
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++
      const t0 = now()
      const ok = await call(i)
      if (lat) lat[i] = now() - t0
      if (!ok) errors++
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, n)) }, worker))
  return errors
}

/**
 * Ops `0 .. n-1` in batches of `batch`, `window` batches in flight, sent in
 * order; `send(from, to)` sends ops [from, to) and resolves with the number
 * that failed once Redis has acked the whole batch, whose latency every op
 * of the batch gets.
 */
export async function pipelined(n: number, batch: number, window: number, send: (from: number, to: number) => Promise<number>, lat?: Float64Array): Promise<number> {
  let next = 0
  let errors = 0
  const worker = async (): Promise<void> => {
    while (next < n) {
      const from = next
      const to = Math.min(n, from + batch)
      next = to
      const t0 = now()
      errors += await send(from, to)
      if (lat) lat.fill(now() - t0, from, to)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, window) }, worker))
  return errors
}
