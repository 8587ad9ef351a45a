/**
 * Which backend configuration `serve` runs with, and on which Redis:
 *
 * - no --config: EMQX's default hook set on pool1 (channel `mqtt_channel`),
 *   pool1 being --redis, REDIS_URL, or the embedded redis-server;
 * - --config FILE declaring pools: those pools; --redis (or REDIS_URL), when
 *   given, replaces the default pool's server, so a conf written for
 *   127.0.0.1:6379 can run against another Redis;
 * - --config FILE declaring no pool (only rules): pool1 is --redis,
 *   REDIS_URL, or the embedded redis-server.
 */
import { defaultBackendConfig } from '../config/defaults.js'
import { loadConfigFile } from '../config/load.js'
import { ConfigError, type BackendConfig, type ServerAddress } from '../config/model.js'

/** The address and database of a redis:// URL. */
export function serverOfUrl(url: string): { readonly server: ServerAddress; readonly database: number } {
  const u = new URL(url)
  const db = Number(u.pathname.replace(/^\//, '') || '0')
  return { server: { host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(u.port || '6379') }, database: Number.isInteger(db) ? db : 0 }
}

/** Does the file declare a pool of its own? (Loading without a fallback says so.) */
export function declaresPools(path: string): boolean {
  try {
    loadConfigFile(path)
    return true
  } catch (e) {
    if (e instanceof ConfigError && /no Redis pool is declared/.test(e.problem)) return false
    throw e
  }
}

/**
 * @param url the Redis the engine was pointed at (--redis, REDIS_URL or the embedded one); null to keep the file's pools
 */
export function serveBackend(configPath: string | undefined, url: string | null): BackendConfig {
  if (configPath === undefined) {
    if (url === null) throw new Error('a Redis URL is needed without --config')
    const { server, database } = serverOfUrl(url)
    const config = defaultBackendConfig(server)
    return { ...config, pools: config.pools.map((p) => ({ ...p, database })) }
  }
  if (url === null) return loadConfigFile(configPath)
  const { server, database } = serverOfUrl(url)
  const config = loadConfigFile(configPath, { fallbackServer: server })
  return {
    ...config,
    pools: config.pools.map((p) => (p.name === config.defaultPool ? { ...p, type: 'single', servers: [server], sentinel: null, database } : p)),
  }
}
