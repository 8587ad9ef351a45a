/**
 * Turning one named pool of the backend configuration into ioredis options.
 *
 * Every connection is durable the same way as the engine's default client
 * (src/redis/connect.ts): an accepted command waits in ioredis' offline queue
 * while Redis is away and is retried for ever, never dropped after N attempts.
 */
import { readFileSync } from 'node:fs'
import type { ConnectionOptions } from 'node:tls'
import type { ClusterOptions, RedisOptions } from 'ioredis'
import type { PoolConfig, ServerAddress, TlsOptions } from '../config/model.js'

/** A pool that cannot be opened or used: names the pool and the problem. */
export class PoolError extends Error {
  override readonly name = 'PoolError'
  constructor(
    readonly pool: string,
    readonly problem: string,
  ) {
    super(`redis pool "${pool}": ${problem}`)
  }
}

/** `host:port` for messages. */
export function addr(s: ServerAddress): string {
  return `${s.host}:${s.port}`
}

/** What a pool connects to, for messages: `127.0.0.1:6380`, `master "mymaster" via sentinels ...`, `cluster seeds ...`. */
export function describeTarget(config: PoolConfig): string {
  const list = config.servers.map(addr).join(', ')
  if (config.type === 'sentinel') return `master "${config.sentinel ?? ''}" via sentinels ${list}`
  if (config.type === 'cluster') return `cluster seeds ${list}`
  return list
}

/** Reject configurations ioredis would accept but misuse (a database on a cluster, a sentinel pool without a master name). */
export function validatePool(config: PoolConfig): void {
  const fail = (problem: string): never => {
    throw new PoolError(config.name, problem)
  }
  if (!Number.isInteger(config.poolSize) || config.poolSize < 1) fail(`pool size must be a whole number >= 1, got ${config.poolSize}`)
  if (!Number.isInteger(config.database) || config.database < 0) fail(`database must be a whole number >= 0, got ${config.database}`)
  if (config.servers.length === 0) fail('no server is configured')
  if (config.type === 'single' && config.servers.length !== 1) {
    fail(`a single pool takes exactly one server, got ${config.servers.length} (${describeTarget(config)})`)
  }
  if (config.type === 'sentinel' && !config.sentinel) fail('a sentinel pool needs the master group name (`sentinel = mymaster`)')
  if (config.type === 'cluster' && config.database !== 0) {
    fail(`Redis Cluster has only database 0, but database ${config.database} is configured`)
  }
}

/** The TLS options of a pool with its PEM files read now, so a missing file fails at open time and names the file. */
export function readTls(pool: string, tls: TlsOptions | null): ConnectionOptions | undefined {
  if (tls === null) return undefined
  const read = (what: string, path: string | undefined): string | undefined => {
    if (path === undefined) return undefined
    try {
      return readFileSync(path, 'utf8')
    } catch (err) {
      throw new PoolError(pool, `cannot read the TLS ${what} file ${path}: ${(err as Error).message}`)
    }
  }
  const out: ConnectionOptions = { rejectUnauthorized: tls.verify ?? true }
  const ca = read('CA', tls.ca)
  const cert = read('certificate', tls.cert)
  const key = read('key', tls.key)
  if (ca !== undefined) out.ca = ca
  if (cert !== undefined) out.cert = cert
  if (key !== undefined) out.key = key
  return out
}

/** Redis refuses spaces in CLIENT SETNAME; the name shows up in CLIENT LIST so an operator can tell the engine's pools apart. */
function connectionName(config: PoolConfig, suffix: string): string {
  return `mqtt-redis:${config.name.replace(/\s+/g, '_')}:${suffix}`
}

const DURABLE = { maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: false } as const

/**
 * Options of connection `index` of a single or sentinel pool.
 *
 * Sentinel authentication: the model has one credential pair, and it belongs
 * to the data nodes (the ACL user the engine writes as). It is NOT sent to the
 * sentinels: sentinels usually run without that user, and sending AUTH with an
 * unknown user makes them refuse the connection. Sentinels that require their
 * own password are not supported by this configuration model.
 *
 * TLS applies to the sentinels and to the master alike.
 */
export function redisOptions(config: PoolConfig, tls: ConnectionOptions | undefined, suffix: string): RedisOptions {
  const common: RedisOptions = {
    ...DURABLE,
    db: config.database,
    connectionName: connectionName(config, suffix),
    ...(config.username !== null ? { username: config.username } : {}),
    ...(config.password !== null ? { password: config.password } : {}),
    ...(tls ? { tls } : {}),
  }
  if (config.type !== 'sentinel') {
    const server = config.servers[0] as ServerAddress // validatePool checked there is exactly one
    return { ...common, host: server.host, port: server.port }
  }
  return {
    ...common,
    sentinels: config.servers.map((s) => ({ host: s.host, port: s.port })),
    name: config.sentinel ?? '',
    role: 'master',
    ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
    // After a failover the old master may come back as a replica while a
    // connection still points at it: reconnect (asking the sentinels again)
    // and resend the refused write instead of failing it.
    reconnectOnError: (err: Error) => (err.message.startsWith('READONLY') ? 2 : false),
  }
}

/** Options of the one Cluster object of a cluster pool. ioredis follows MOVED/ASK itself. */
export function clusterOptions(config: PoolConfig, tls: ConnectionOptions | undefined): ClusterOptions {
  return {
    enableOfflineQueue: true,
    enableReadyCheck: true,
    redisOptions: {
      maxRetriesPerRequest: null,
      connectionName: connectionName(config, 'cluster'),
      ...(config.username !== null ? { username: config.username } : {}),
      ...(config.password !== null ? { password: config.password } : {}),
      ...(tls ? { tls } : {}),
    },
  }
}
