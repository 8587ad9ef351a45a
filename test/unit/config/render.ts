/**
 * Renders a model back to conf text and to the JSON shape, for round-trip
 * properties (not a spec itself). Independent of the readers: it follows the
 * documented formats only.
 */
import type { BackendConfig, HookRule, PoolConfig } from '../../../src/config/model.js'

const addr = (p: PoolConfig) => p.servers.map((s) => (s.host.includes(':') ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`))

/** Conf lines; `spacing` picks the blanks around `=`, `pools` may be left implicit for pool1 when `poolless`. */
export function renderConf(c: BackendConfig, spacing: (i: number) => string = () => ' ', poolless = false): string {
  const out: string[] = ['## rendered']
  const put = (key: string, value: string) => {
    const s = spacing(out.length)
    out.push(`${key}${s}=${s}${value}`)
  }
  for (const p of c.pools) {
    const k = (setting: string) => (poolless && p.name === 'pool1' ? `backend.redis.${setting}` : `backend.redis.${p.name}.${setting}`)
    put(k('server'), addr(p).join(','))
    if (p.type !== 'single' || p.sentinel === null) put(k('type'), p.type)
    if (p.sentinel !== null) put(k('sentinel'), p.sentinel)
    put(k('pool_size'), String(p.poolSize))
    put(k('database'), String(p.database))
    if (p.username !== null) put(k('username'), p.username)
    if (p.password !== null) put(k('password'), p.password)
    if (p.channel !== null) put(k('channel'), p.channel)
    if (p.tls !== null) {
      put(k('ssl'), 'on')
      if (p.tls.ca !== undefined) put(k('ssl.cacertfile'), p.tls.ca)
      if (p.tls.cert !== undefined) put(k('ssl.certfile'), p.tls.cert)
      if (p.tls.key !== undefined) put(k('ssl.keyfile'), p.tls.key)
      if (p.tls.verify !== undefined) put(k('ssl.verify'), p.tls.verify ? 'verify_peer' : 'verify_none')
    }
    out.push('')
  }
  put('backend.redis.expired_time', String(c.expiredTimeSec))
  // Rules in reverse so the reader's sorting is exercised.
  for (const r of [...c.hooks].reverse()) put(`backend.redis.hook.${r.hook}.${r.order}`, JSON.stringify(ruleBody(r, c.defaultPool)))
  return out.join('\n')
}

/** The JSON shape. */
export function renderJson(c: BackendConfig): string {
  const pools = Object.fromEntries(c.pools.map((p) => [p.name, {
    type: p.type, server: p.servers.length === 1 ? addr(p)[0] : addr(p), pool_size: p.poolSize, database: p.database,
    username: p.username, password: p.password, channel: p.channel, sentinel: p.sentinel, tls: p.tls ?? false,
  }]))
  const hooks = c.hooks.map((r) => ({ hook: r.hook, order: r.order, ...ruleBody(r, c.defaultPool) }))
  return JSON.stringify({ pools, expired_time: c.expiredTimeSec, hooks }, null, 2)
}

// A rule on the default pool sometimes leaves the pool out, as EMQX users do.
function ruleBody(r: HookRule, defaultPool: string): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  if (r.topic !== null) body['topic'] = r.topic
  body['action'] = r.action.kind === 'function' ? { function: r.action.name } : { commands: r.action.commands }
  if (r.pool !== defaultPool || r.order % 2 === 0) body['pool'] = r.pool
  return body
}
