/**
 * Decodes one entry of the JSON `pools` object into a pool draft. Every
 * setting is blamed on the line where the pool's object starts.
 */
import { parseServerAddress, parseServerList } from './address.js'
import { describeValue, isRecord, rejectUnknownKeys, type Fail } from './decode.js'
import type { ServerAddress, Source } from './model.js'
import type { PoolDraft } from './pool.js'

const POOL_KEYS = ['type', 'server', 'pool_size', 'database', 'username', 'password', 'channel', 'sentinel', 'tls'] as const
const TLS_KEYS = ['ca', 'cert', 'key', 'verify'] as const

/**
 * The draft of pool `name` from its JSON value.
 *
 * @example
 * decodeJsonPool('pool1', { server: '127.0.0.1:6379' }, { file: 'c.json', line: 3 }, fail).servers
 * // { value: [{ host: '127.0.0.1', port: 6379 }], line: 3 }
 */
export function decodeJsonPool(name: string, value: unknown, source: Source, fail: Fail): PoolDraft {
  if (!isRecord(value)) fail(`pool "${name}" must be an object, got ${describeValue(value)}`)
  rejectUnknownKeys(value, POOL_KEYS, `pool "${name}"`, fail)
  const line = source.line
  const d: PoolDraft = { name, source }
  const at = <T>(v: T) => ({ value: v, line })
  const { type, server, pool_size, database, username, password, channel, sentinel, tls } = value
  if (type !== undefined) {
    if (type !== 'single' && type !== 'sentinel' && type !== 'cluster') fail(`bad pool type ${describeValue(type)}: expected "single", "sentinel" or "cluster"`)
    d.type = at(type)
  }
  if (server !== undefined) d.servers = at(servers(server, fail))
  if (pool_size !== undefined) d.poolSize = at(integer(pool_size, 1, 'pool_size', fail))
  if (database !== undefined) d.database = at(integer(database, 0, 'database', fail))
  if (username !== undefined) d.username = at(optionalString(username, 'username', fail))
  if (password !== undefined) d.password = at(optionalString(password, 'password', fail))
  if (channel !== undefined) d.channel = at(optionalString(channel, 'channel', fail))
  if (sentinel !== undefined && sentinel !== null) {
    if (typeof sentinel !== 'string' || sentinel === '') fail(`"sentinel" must be the master name, got ${describeValue(sentinel)}`)
    d.sentinel = at(sentinel)
  }
  if (tls !== undefined) decodeTls(d, tls, line, fail)
  return d
}

function servers(value: unknown, fail: Fail): ServerAddress[] {
  if (typeof value === 'string') return parseServerList(value, fail)
  if (!Array.isArray(value) || value.length === 0) fail(`"server" must be "host:port" or a non-empty array of them, got ${describeValue(value)}`)
  return value.map((v) => {
    if (typeof v !== 'string') fail(`"server" entries must be "host:port" strings, got ${describeValue(v)}`)
    return parseServerAddress(v, fail)
  })
}

function integer(value: unknown, min: number, what: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    fail(`bad number for ${what}: ${describeValue(value)} (expected an integer >= ${min})`)
  }
  return value
}

function optionalString(value: unknown, what: string, fail: Fail): string | null {
  if (value === null || value === '') return null
  if (typeof value !== 'string') fail(`"${what}" must be a string or null, got ${describeValue(value)}`)
  return value
}

function decodeTls(d: PoolDraft, value: unknown, line: number, fail: Fail): void {
  if (typeof value === 'boolean') {
    d.tls = { value, line }
    return
  }
  if (!isRecord(value)) fail(`"tls" must be true, false or an object, got ${describeValue(value)}`)
  rejectUnknownKeys(value, TLS_KEYS, 'tls', fail)
  d.tls = { value: true, line }
  const path = (key: 'ca' | 'cert' | 'key'): { value: string; line: number } | undefined => {
    const v = value[key]
    if (v === undefined) return undefined
    if (typeof v !== 'string' || v === '') fail(`"tls.${key}" must be a file path, got ${describeValue(v)}`)
    return { value: v, line }
  }
  d.tlsCa = path('ca')
  d.tlsCert = path('cert')
  d.tlsKey = path('key')
  const verify = value['verify']
  if (verify !== undefined) {
    if (typeof verify !== 'boolean') fail(`"tls.verify" must be true or false, got ${describeValue(verify)}`)
    d.tlsVerify = { value: verify, line }
  }
}
