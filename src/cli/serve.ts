/**
 * `mqtt-redis serve`: an Aedes broker on TCP with the engine behind it, on
 * the Redis given by --redis or REDIS_URL, else on an embedded redis-server.
 */
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { createEngine } from '../engine/engine.js'
import type { Durability } from '../log/event-log.js'
import { startAedesBroker } from '../hosts/aedes/broker.js'
import { RedisServerNotFoundError, startEmbeddedRedis, type EmbeddedRedis } from '../redis/embedded.js'

export interface ServeOptions {
  readonly port: number
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
}

export interface Running {
  readonly port: number
  readonly redisUrl: string
  stop(): Promise<void>
}

export async function serve(opts: ServeOptions, logger: Logger): Promise<Running> {
  let embedded: EmbeddedRedis | null = null
  let redisUrl = opts.redis ?? process.env['REDIS_URL']
  if (!redisUrl) {
    try {
      embedded = await startEmbeddedRedis({ dir: join(opts.data, 'redis') })
    } catch (err) {
      if (err instanceof RedisServerNotFoundError) process.exitCode = 2
      throw err
    }
    redisUrl = embedded.url
    logger.info({ redis: redisUrl, data: join(opts.data, 'redis') }, `no --redis given: started an embedded redis-server on ${redisUrl}`)
  }
  const engine = createEngine({
    redis: redisUrl,
    node: opts.node ?? hostname(),
    prefix: opts.prefix,
    limits: { maxPayloadBytes: opts.maxPayload },
    offline: { expiredTimeSec: opts.expiredTime, pubsubStart: opts.pubsubStart },
    ...(opts.log ? { log: { dir: opts.logDir ?? join(opts.data, 'events'), durability: opts.durability } } : {}),
    logger,
  })
  try {
    await engine.ready // the log is open and Redis has caught up with it
  } catch (err) {
    await engine.close()
    await embedded?.stop()
    throw err
  }
  const broker = await startAedesBroker(engine, opts.host === undefined ? { port: opts.port } : { port: opts.port, host: opts.host })
  logger.info({ port: broker.port, node: engine.node, prefix: opts.prefix, redis: redisUrl }, `MQTT broker listening on port ${broker.port}`)
  let stopping: Promise<void> | null = null
  return {
    port: broker.port,
    redisUrl,
    stop() {
      stopping ??= (async () => {
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
