/**
 * What serve's HTTP side knows about the engine beyond `engine.stats()`:
 * inputs and domain events by type (seen through `instrument`, a thin wrapper
 * of `submit`), batch sizes and times (the engine's `onBatch` hook), and the
 * log and checkpoint positions those batches carry. The same numbers feed the
 * Prometheus registry (`/metrics`) and the dashboard's snapshot.
 *
 * @example
 * const metrics = createEngineMetrics()
 * const engine = createEngine({ ..., onBatch: metrics.onBatch })
 * const broker = await startAedesBroker(metrics.instrument(engine))
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { BatchInfo, Engine, SubmitResult } from '../engine/engine-types.js'

/** A small window of the latest Redis round trips, for the dashboard (Prometheus gets the histogram). */
export interface LatencyWindow {
  /** Round trips in the window. */
  readonly count: number
  readonly avgMs: number | null
  readonly p95Ms: number | null
  readonly maxMs: number | null
  readonly lastMs: number | null
}

export interface EngineMetrics {
  readonly registry: Registry
  /** Pass as `EngineOptions.onBatch`. */
  readonly onBatch: (info: BatchInfo) => void
  /** The engine with `submit` counted by input type, rejection code and domain event type; everything else is the engine's own. */
  instrument(engine: Engine): Engine
  /** Accepted inputs of one type so far (counted once their events are committed). */
  inputs(type: string): number
  /** Domain events of one type so far. */
  events(type: string): number
  /** Position of the last event appended to the log, 0 if none seen (or no log). */
  logPosition(): number
  /** Position of the last event this engine applied to Redis, 0 if none seen. */
  appliedPosition(): number
  /** Tell the positions Redis held at startup (its checkpoint), so lag is right before the first batch. */
  seedPositions(checkpoint: number): void
  /** Redis round trips of the last `windowMs`. */
  latency(windowMs?: number): LatencyWindow
}

/** Batch sizes in domain events: the engine sends up to 8 appended batches of up to 2000 inputs per round trip. */
const BATCH_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 20000]
const SECONDS_BUCKETS = [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  return sorted[Math.max(0, i)] ?? null
}

export function createEngineMetrics(opts: { readonly defaultMetrics?: boolean } = {}): EngineMetrics {
  const registry = new Registry()
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry })
  const registers = [registry]
  const inputsTotal = new Counter({ name: 'mqtt_redis_inputs_accepted_total', help: 'Host reports the engine accepted, by input type (counted once their domain events are committed)', labelNames: ['type'], registers })
  const rejectedTotal = new Counter({ name: 'mqtt_redis_inputs_rejected_total', help: 'Host reports the engine rejected at its boundary, by error code', labelNames: ['code'], registers })
  const eventsTotal = new Counter({ name: 'mqtt_redis_domain_events_total', help: 'Domain events committed, by type', labelNames: ['type'], registers })
  const batchEvents = new Histogram({ name: 'mqtt_redis_projection_batch_events', help: 'Domain events per Redis round trip (one MULTI/EXEC with the checkpoint)', buckets: BATCH_BUCKETS, registers })
  const batchCommands = new Histogram({ name: 'mqtt_redis_projection_batch_commands', help: 'Redis commands per round trip, after folding', buckets: BATCH_BUCKETS, registers })
  const applySeconds = new Histogram({ name: 'mqtt_redis_redis_apply_seconds', help: 'Time of each Redis round trip that applies a batch (send to EXEC reply)', buckets: SECONDS_BUCKETS, registers })
  const appendSeconds = new Histogram({ name: 'mqtt_redis_log_append_seconds', help: 'Time to append one batch to the event log: write, and fsync with --durability batch', buckets: SECONDS_BUCKETS, registers })
  const appendEvents = new Histogram({ name: 'mqtt_redis_log_batch_events', help: 'Domain events per event log append', buckets: BATCH_BUCKETS, registers })

  const inputCounts = new Map<string, number>()
  const eventCounts = new Map<string, number>()
  let logPos = 0
  let appliedPos = 0
  /** [time, ms] of recent round trips, oldest first. */
  const recent: Array<[number, number]> = []
  const RECENT_MAX = 2000

  const bump = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1)

  const count = (r: SubmitResult): void => {
    if (r._tag === 'Left') {
      rejectedTotal.inc({ code: r.left.code })
      return
    }
    const type = r.right.input.type
    bump(inputCounts, type)
    inputsTotal.inc({ type })
    for (const e of r.right.events) {
      bump(eventCounts, e.type)
      eventsTotal.inc({ type: e.type })
    }
  }

  return {
    registry,
    onBatch(info) {
      if (info.stage === 'log') {
        if (info.position > logPos) logPos = info.position
        appendSeconds.observe(info.ms / 1000)
        appendEvents.observe(info.events)
        return
      }
      if (info.position > appliedPos) appliedPos = info.position
      batchEvents.observe(info.events)
      batchCommands.observe(info.commands)
      applySeconds.observe(info.ms / 1000)
      recent.push([Date.now(), info.ms])
      if (recent.length > RECENT_MAX) recent.splice(0, recent.length - RECENT_MAX)
    },
    instrument(engine) {
      return {
        ...engine,
        submit: (raw: unknown) =>
          engine.submit(raw).then((r) => {
            count(r)
            return r
          }),
      }
    },
    inputs: (type) => inputCounts.get(type) ?? 0,
    events: (type) => eventCounts.get(type) ?? 0,
    logPosition: () => logPos,
    appliedPosition: () => appliedPos,
    seedPositions(checkpoint) {
      if (checkpoint > logPos) logPos = checkpoint
      if (checkpoint > appliedPos) appliedPos = checkpoint
    },
    latency(windowMs = 10_000) {
      const since = Date.now() - windowMs
      const ms = recent.filter(([t]) => t >= since).map(([, v]) => v)
      if (ms.length === 0) return { count: 0, avgMs: null, p95Ms: null, maxMs: null, lastMs: recent[recent.length - 1]?.[1] ?? null }
      const sorted = [...ms].sort((a, b) => a - b)
      return {
        count: ms.length,
        avgMs: ms.reduce((a, b) => a + b, 0) / ms.length,
        p95Ms: percentile(sorted, 95),
        maxMs: sorted[sorted.length - 1] ?? null,
        lastMs: ms[ms.length - 1] ?? null,
      }
    },
  }
}
