/**
 * The dashboard's snapshot: what Redis holds (clients online on this node,
 * the offline backlog, retained messages, the statistics hashes the hook
 * rules of examples/statistics.conf write) and the engine's own health. A
 * sampler adds a short history (clients online, message rates), one point a
 * second, kept for `historyPoints` seconds.
 *
 * Redis is read with SCARD / HLEN / ZCARD / HGETALL of documented keys and
 * the engine's indexes (`mqtt:node:<node>`, `mqtt:idx:msg_topics`), bounded;
 * while the engine's connection is not ready nothing is read (its client
 * would queue the reads until Redis is back).
 */
import type { Engine, EngineStats } from '../engine/engine.js'
import type { EngineMetrics, LatencyWindow } from './metrics.js'
import { logSizeReader } from './log-size.js'
import { readBacklog, readHash, topCounts, within, type Backlog } from './redis-read.js'

/** The hashes the statistics rules write (examples/statistics.conf), as EMQX's "MQTT to Redis" demo names them. */
export const STATISTICS_KEYS = {
  lastTemperature: 'emqx_messages',
  disconnectReasons: 'disconnected_reason',
  droppedByTopic: 'emqx_message_dropped_count',
  droppedByReason: 'message_dropped_reason',
  authzSource: 'authz_source',
  authzResult: 'authz_result',
} as const

export type StatisticsName = keyof typeof STATISTICS_KEYS

export interface Count {
  readonly name: string
  readonly count: number
}

export interface CountTable {
  /** The hash read. */
  readonly key: string
  /** HLEN of the hash. */
  readonly total: number
  /** The largest counts, most first. */
  readonly top: readonly Count[]
  /** Sum of the counts read. */
  readonly sum: number
  readonly partial: boolean
}

export interface Temperatures {
  readonly key: string
  /** Devices in the hash (HLEN). */
  readonly total: number
  /** clientid -> the value as stored, by clientid. */
  readonly devices: ReadonlyArray<{ readonly device: string; readonly value: string }>
  readonly partial: boolean
}

export interface Rates {
  /** Per second over the last sampling interval. */
  readonly published: number
  readonly stored: number
  /** Deliveries reported by the host (only when a rule observes message.delivered), else null. */
  readonly delivered: number | null
  /** QoS 1/2 deliveries acknowledged by subscribers (PUBACK / PUBCOMP). */
  readonly acked: number
}

export interface Sample extends Rates {
  readonly t: number
  readonly online: number | null
}

/** The engine's own counters (EngineStats), with the rejections as a plain record and their total, and the log's and Redis' state. */
export interface EngineHealth extends Omit<EngineStats, 'rejected'> {
  readonly rejected: Readonly<Record<string, number>>
  readonly rejectedTotal: number
  /** Null without an event log. */
  readonly log: {
    readonly position: number
    readonly checkpoint: number
    /** Log position minus the checkpoint applied to Redis. */
    readonly lag: number
    readonly bytes: number | null
  } | null
  /** Redis round trips applying batches in the last 10 s. */
  readonly redisLatency: LatencyWindow
}

export interface Snapshot {
  readonly ts: number
  readonly node: string
  readonly prefix: string
  readonly uptimeSec: number
  readonly redis: { readonly up: boolean; readonly pingMs: number | null; readonly error: string | null }
  readonly clients: {
    /** HLEN of `mqtt:node:<node>`. */
    readonly online: number | null
    /** SCARD of `mqtt:idx:session_clients`: persistent sessions with subscriptions. */
    readonly persistentSessions: number | null
  }
  readonly messages: {
    /** ZCARD of `mqtt:idx:retain`. */
    readonly retained: number | null
    readonly backlog: Backlog | null
    readonly rates: Rates
  }
  readonly history: readonly Sample[]
  readonly statistics: {
    readonly lastTemperature: Temperatures | null
    readonly disconnectReasons: CountTable | null
    readonly droppedByReason: CountTable | null
    readonly droppedByTopic: CountTable | null
    readonly authzResult: CountTable | null
    readonly authzSource: CountTable | null
  }
  readonly engine: EngineHealth
}

export interface SnapshotOptions {
  readonly engine: Engine
  readonly metrics: EngineMetrics
  /** The event log's directory, or null when serve keeps none. */
  readonly logDir: string | null
  /** Seconds of history kept. Default 300. */
  readonly historyPoints?: number
  /** Rows of each "top" table. Default 10. */
  readonly top?: number
  /** Most devices listed. Default 200. */
  readonly devices?: number
  /** Most topics of the stored-message index read for the backlog. Default 1000. */
  readonly scanTopics?: number
  /** Most fields read of a statistics hash. Default 1000. */
  readonly hashLimit?: number
  /** Milliseconds a Redis read may take. Default 1000. */
  readonly readTimeoutMs?: number
}

export interface SnapshotSource {
  snapshot(): Promise<Snapshot>
  /** Start sampling once a second (idempotent). */
  start(): void
  stop(): void
}

export function createSnapshotSource(opts: SnapshotOptions): SnapshotSource {
  const { engine, metrics } = opts
  const redis = engine.redis
  const keys = engine.keys
  const top = opts.top ?? 10
  const historyPoints = opts.historyPoints ?? 300
  const timeoutMs = opts.readTimeoutMs ?? 1000
  const hashLimit = opts.hashLimit ?? 1000
  const logBytes = opts.logDir !== null ? logSizeReader(opts.logDir) : null
  const started = Date.now()
  const history: Sample[] = []
  const observesDelivered = engine.observes.has('MessageDelivered')
  let timer: NodeJS.Timeout | null = null
  let last = { t: Date.now(), published: 0, stored: 0, delivered: 0, acked: 0 }
  let rates: Rates = { published: 0, stored: 0, delivered: observesDelivered ? 0 : null, acked: 0 }

  const ready = (): boolean => redis.status === 'ready'
  const read = <T>(p: () => Promise<T>): Promise<T | null> => (ready() ? within(p(), timeoutMs).catch(() => null) : Promise.resolve(null))

  const sample = async (): Promise<void> => {
    const now = Date.now()
    const cur = { t: now, published: metrics.inputs('mqtt.publish'), stored: metrics.events('MessageStored'), delivered: metrics.inputs('mqtt.deliver'), acked: metrics.inputs('mqtt.ack') }
    const dt = Math.max(1, now - last.t) / 1000
    const per = (k: 'published' | 'stored' | 'delivered' | 'acked'): number => Math.round(((cur[k] - last[k]) / dt) * 10) / 10
    rates = { published: per('published'), stored: per('stored'), delivered: observesDelivered ? per('delivered') : null, acked: per('acked') }
    last = cur
    const online = await read(() => redis.hlen(keys.node(engine.node)))
    history.push({ t: now, online, ...rates })
    if (history.length > historyPoints) history.splice(0, history.length - historyPoints)
  }

  const counts = async (key: string): Promise<CountTable | null> =>
    read(async () => {
      const h = await readHash(redis, key, hashLimit)
      const all = topCounts(h.entries, Number.MAX_SAFE_INTEGER)
      return { key, total: h.total, top: all.slice(0, top), sum: all.reduce((n, c) => n + c.count, 0), partial: h.partial }
    })

  const temperatures = async (): Promise<Temperatures | null> =>
    read(async () => {
      const key = STATISTICS_KEYS.lastTemperature
      const h = await readHash(redis, key, opts.devices ?? 200)
      const devices = Object.entries(h.entries)
        .map(([device, value]) => ({ device, value }))
        .sort((a, b) => a.device.localeCompare(b.device, 'en', { numeric: true }))
      return { key, total: h.total, devices, partial: h.partial }
    })

  const ping = async (): Promise<{ ms: number | null; error: string | null }> => {
    if (!ready()) return { ms: null, error: `redis connection ${redis.status}` }
    const t0 = performance.now()
    try {
      await within(redis.ping(), timeoutMs)
      return { ms: Math.round((performance.now() - t0) * 100) / 100, error: null }
    } catch (err) {
      return { ms: null, error: err instanceof Error ? err.message : String(err) }
    }
  }

  const health = async (): Promise<EngineHealth> => {
    const s = engine.stats()
    const rejected: Record<string, number> = {}
    for (const [code, n] of Object.entries(s.rejected)) if (typeof n === 'number') rejected[code] = n
    const position = metrics.logPosition()
    const checkpoint = metrics.appliedPosition()
    return {
      ...s,
      rejected,
      rejectedTotal: Object.values(rejected).reduce((a, b) => a + b, 0),
      log: logBytes ? { position, checkpoint, lag: Math.max(0, position - checkpoint), bytes: await logBytes() } : null,
      redisLatency: metrics.latency(),
    }
  }

  const source: SnapshotSource = {
    async snapshot() {
      const [p, online, persistentSessions, retained, backlog, lastTemperature, disconnectReasons, droppedByReason, droppedByTopic, authzResult, authzSource, eng] = await Promise.all([
        ping(),
        read(() => redis.hlen(keys.node(engine.node))),
        read(() => redis.scard(keys.sessionClients())),
        read(() => redis.zcard(keys.retainIndex())),
        read(() => readBacklog(redis, keys, top, opts.scanTopics ?? 1000)),
        temperatures(),
        counts(STATISTICS_KEYS.disconnectReasons),
        counts(STATISTICS_KEYS.droppedByReason),
        counts(STATISTICS_KEYS.droppedByTopic),
        counts(STATISTICS_KEYS.authzResult),
        counts(STATISTICS_KEYS.authzSource),
        health(),
      ])
      return {
        ts: Date.now(),
        node: engine.node,
        prefix: keys.prefix,
        uptimeSec: Math.round((Date.now() - started) / 1000),
        redis: { up: p.error === null, pingMs: p.ms, error: p.error },
        clients: { online, persistentSessions },
        messages: { retained, backlog, rates },
        history: [...history],
        statistics: { lastTemperature, disconnectReasons, droppedByReason, droppedByTopic, authzResult, authzSource },
        engine: eng,
      }
    },
    start() {
      if (timer) return
      timer = setInterval(() => void sample(), 1000)
      timer.unref()
      void sample()
    },
    stop() {
      if (timer) clearInterval(timer)
      timer = null
    },
  }
  return source
}
