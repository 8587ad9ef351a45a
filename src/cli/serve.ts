/**
 * `mqtt-redis serve`: an Aedes broker on TCP with the engine behind it, on
 * the Redis given by --redis or REDIS_URL, else on an embedded redis-server.
 */
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { createEngine, type Engine } from '../engine/engine.js'
import type { BackendConfig } from '../config/model.js'
import type { Durability } from '../log/event-log.js'
import { startAedesBroker, type HostedBroker } from '../hosts/aedes/broker.js'
import { RedisServerNotFoundError, startEmbeddedRedis, type EmbeddedRedis } from '../redis/embedded.js'
import { describeTarget } from '../redis/pool-options.js'
import { createEngineMetrics } from '../http/metrics.js'
import { startHttpServer, type HttpServer } from '../http/server.js'
import { writeServeAddress } from './serve-address.js'
import { declaresPools, serveBackend } from './serve-config.js'

export interface ServeOptions {
  /** Absent: 1883, or a free port when 1883 is taken. */
  readonly port?: number
  readonly host?: string
  readonly redis?: string
  readonly data: string
  readonly node?: string
  readonly prefix: string
  readonly maxPayload: number
  readonly expiredTime: number
  readonly pubsubStart: 'latest' | 'oldest'
  readonly logDir?: string
  /** commander's --no-log */
  readonly log: boolean
  readonly durability: Durability
  /** An EMQX `emqx_backend_redis.conf` or JSON configuration file. */
  readonly config?: string
  /** Dashboard and /metrics port. Absent: 8080, or a free port when 8080 is taken; 0: no HTTP server. */
  readonly http?: number
}

export interface Running {
  readonly port: number
  readonly redisUrl: string
  /** The dashboard and /metrics port, null with --http 0. */
  readonly httpPort: number | null
  /** Whether accepted events are also in an event log (so Redis can catch up at the next start). */
  readonly logged: boolean
  /** Events accepted but not yet in Redis. */
  pending(): number
  stop(): Promise<void>
}

const MQTT_PORT = 1883

function inUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE'
}

/** The broker on --port; with no --port, on 1883, or on a free port if 1883 is taken (said in one line). */
async function listen(engine: Engine, opts: ServeOptions, logger: Logger): Promise<HostedBroker> {
  const at = (port: number) => startAedesBroker(engine, opts.host === undefined ? { port } : { port, host: opts.host })
  if (opts.port !== undefined) {
    try {
      return await at(opts.port)
    } catch (err) {
      if (inUse(err)) throw new Error(`port ${opts.port} is already in use (another MQTT broker?); choose another with --port`)
      throw err
    }
  }
  try {
    return await at(MQTT_PORT)
  } catch (err) {
    if (!inUse(err)) throw err
    const broker = await at(0)
    logger.warn({ port: broker.port }, `port ${MQTT_PORT} is already in use (another MQTT broker?): listening on ${broker.port} instead; pass --port to choose`)
    return broker
  }
}

/** The default pool's address, for log lines: a URL for a single server; a sentinel pool's servers are sentinels, not the master. */
function describePool(config: BackendConfig): string {
  const pool = config.pools.find((p) => p.name === config.defaultPool)
  const s = pool?.servers[0]
  if (!pool || !s) return 'the default pool'
  if (pool.type === 'single') return `redis://${s.host}:${s.port}/${pool.database} (single pool ${pool.name})`
  return `${describeTarget(pool)}, database ${pool.database} (${pool.type} pool ${pool.name})`
}

export async function serve(opts: ServeOptions, logger: Logger): Promise<Running> {
  let embedded: EmbeddedRedis | null = null
  let redisUrl = opts.redis ?? process.env['REDIS_URL']
  // A configuration that declares its own pools needs no embedded Redis (a bad one stops here, before anything starts).
  const ownPools = opts.config !== undefined && declaresPools(opts.config)
  if (!redisUrl && !ownPools) {
    try {
      embedded = await startEmbeddedRedis({ dir: join(opts.data, 'redis') })
    } catch (err) {
      if (err instanceof RedisServerNotFoundError) process.exitCode = 2
      throw err
    }
    redisUrl = embedded.url
    logger.info({ redis: redisUrl, data: join(opts.data, 'redis') }, `no --redis given: started an embedded redis-server on ${redisUrl}`)
  }
  const backend = serveBackend(opts.config, redisUrl ?? null)
  if (opts.config !== undefined) {
    const commandRules = backend.hooks.filter((h) => h.action.kind === 'commands').length
    logger.info({ config: opts.config, pools: backend.pools.map((p) => p.name), rules: backend.hooks.length, commandRules }, `loaded ${opts.config}`)
  }
  // Without a URL the engine writes to the configuration's default pool.
  const explicit = redisUrl
  redisUrl ??= describePool(backend)
  const metrics = opts.http !== 0 ? createEngineMetrics() : null
  const engine = createEngine({
    ...(metrics ? { onBatch: metrics.onBatch } : {}),
    ...(explicit !== undefined ? { redis: explicit } : {}),
    backend,
    node: opts.node ?? hostname(),
    prefix: opts.prefix,
    limits: { maxPayloadBytes: opts.maxPayload },
    // --expired-time applies unless the configuration sets expired_time.
    offline: { expiredTimeSec: opts.config !== undefined ? backend.expiredTimeSec : opts.expiredTime, pubsubStart: opts.pubsubStart },
    ...(opts.log ? { log: { dir: opts.logDir ?? join(opts.data, 'events'), durability: opts.durability } } : {}),
    logger,
  })
  // Clients are taken once the log is open and Redis has caught up with it.
  const slow = setTimeout(() => logger.warn({ redis: redisUrl }, 'waiting for redis before accepting clients'), 2000)
  try {
    await engine.ready
  } catch (err) {
    await engine.close()
    await embedded?.stop()
    throw err
  } finally {
    clearTimeout(slow)
  }
  let broker
  try {
    broker = await listen(metrics ? metrics.instrument(engine) : engine, opts, logger)
  } catch (err) {
    await engine.close()
    await embedded?.stop()
    throw err
  }
  let http: HttpServer | null = null
  if (metrics) {
    const logDir = opts.log ? (opts.logDir ?? join(opts.data, 'events')) : null
    try {
      http = await startHttpServer({ ...(opts.http !== undefined ? { port: opts.http } : {}), ...(opts.host !== undefined ? { host: opts.host } : {}), engine, metrics, logDir, logger })
    } catch (err) {
      await broker.close()
      await engine.close()
      await embedded?.stop()
      throw err
    }
    logger.info({ http: http.port }, `dashboard on http://${opts.host ?? 'localhost'}:${http.port}/ (Prometheus metrics on /metrics)`)
  }
  const host = opts.host === undefined || opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host
  const forget = writeServeAddress(opts.data, {
    pid: process.pid,
    mqtt: `mqtt://${host}:${broker.port}`,
    http: http ? `http://${host}:${http.port}/` : null,
    // A URL the other commands can connect to: the one given or started, or a single default pool's.
    redis: explicit ?? (redisUrl.startsWith('redis://') ? (redisUrl.split(' ')[0] ?? '') : ''),
  })
  // Said after serve.json is written: whoever waits for this line can read the file.
  logger.info({ port: broker.port, node: engine.node, prefix: engine.keys.prefix, redis: redisUrl }, `MQTT broker listening on port ${broker.port}`)
  let stopping: Promise<void> | null = null
  return {
    port: broker.port,
    redisUrl,
    httpPort: http?.port ?? null,
    logged: opts.log,
    pending: () => engine.stats().inFlight,
    stop() {
      stopping ??= (async () => {
        forget()
        await http?.close()
        await broker.close()
        await engine.close() // every event accepted before this point is now in Redis
        const s = engine.stats()
        logger.info({ accepted: s.accepted, domainEvents: s.domainEvents, batches: s.batches }, 'engine stopped; all accepted events are in redis')
        if (embedded) await embedded.stop()
      })()
      return stopping
    },
  }
}
