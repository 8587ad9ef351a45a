/**
 * A pool as the readers collect it, setting by setting, and the checks that
 * need several settings at once (type against sentinel name, server count,
 * database on a cluster). Each setting remembers its line so the error points
 * at the setting that is wrong, not at the pool as a whole.
 */
import type { FailAt } from './decode.js'
import type { PoolConfig, ServerAddress, Source, TlsOptions } from './model.js'

/** A value with the line it was set on. */
export interface At<T> {
  readonly value: T
  readonly line: number
}

export type PoolType = PoolConfig['type']

/** Pool settings collected so far; absent means "not set". */
export interface PoolDraft {
  readonly name: string
  /** Where the pool was first mentioned. */
  readonly source: Source
  type?: At<PoolType>
  servers?: At<readonly ServerAddress[]>
  sentinel?: At<string>
  poolSize?: At<number>
  database?: At<number>
  username?: At<string | null>
  password?: At<string | null>
  channel?: At<string | null>
  /** `ssl = on|off`; TLS file settings without it turn TLS on. */
  tls?: At<boolean>
  tlsCa?: At<string>
  tlsCert?: At<string>
  tlsKey?: At<string>
  tlsVerify?: At<boolean>
}

/** EMQX's pool_size default. */
export const DEFAULT_POOL_SIZE = 8

/** Pool names: what fits between dots in a conf key and reads well in a message. */
export const POOL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/

/**
 * The finished pool, after the checks that span settings.
 *
 * @example
 * finishPool({ name: 'pool1', source, servers: { value: [{ host: 'h', port: 6379 }], line: 2 } }, failAt).type // 'single'
 */
export function finishPool(d: PoolDraft, failAt: FailAt): PoolConfig {
  const servers = d.servers
  if (servers === undefined) failAt(d.source.line, `pool "${d.name}" has no server`)
  // Naming a sentinel master only makes sense for a sentinel pool, so it implies one.
  const type: PoolType = d.type?.value ?? (d.sentinel !== undefined ? 'sentinel' : 'single')
  if (d.sentinel !== undefined && type !== 'sentinel') {
    failAt(d.sentinel.line, `pool "${d.name}" is of type ${type}; a sentinel master name is only for type sentinel`)
  }
  if (type === 'sentinel' && d.sentinel === undefined) {
    failAt(d.type?.line ?? d.source.line, `pool "${d.name}" is of type sentinel but names no sentinel master`)
  }
  if (type === 'single' && servers.value.length !== 1) {
    failAt(servers.line, `pool "${d.name}" is of type single and takes one server, got ${servers.value.length}`)
  }
  // Redis Cluster has only database 0 (SELECT is refused there).
  if (type === 'cluster' && d.database !== undefined && d.database.value !== 0) {
    failAt(d.database.line, `pool "${d.name}" is a cluster, which has only database 0`)
  }
  return {
    name: d.name,
    type,
    servers: servers.value,
    sentinel: d.sentinel?.value ?? null,
    poolSize: d.poolSize?.value ?? DEFAULT_POOL_SIZE,
    database: d.database?.value ?? 0,
    username: d.username?.value ?? null,
    password: d.password?.value ?? null,
    tls: finishTls(d, failAt),
    channel: d.channel?.value ?? null,
    source: d.source,
  }
}

function finishTls(d: PoolDraft, failAt: FailAt): TlsOptions | null {
  const files = [d.tlsCa, d.tlsCert, d.tlsKey, d.tlsVerify].filter((x) => x !== undefined)
  if (d.tls?.value === false) {
    const first = files[0]
    if (first !== undefined) failAt(first.line, `pool "${d.name}" has TLS settings but TLS (ssl) is off`)
    return null
  }
  if (d.tls === undefined && files.length === 0) return null
  const tls: { ca?: string; cert?: string; key?: string; verify?: boolean } = {}
  if (d.tlsCa !== undefined) tls.ca = d.tlsCa.value
  if (d.tlsCert !== undefined) tls.cert = d.tlsCert.value
  if (d.tlsKey !== undefined) tls.key = d.tlsKey.value
  if (d.tlsVerify !== undefined) tls.verify = d.tlsVerify.value
  return tls
}
