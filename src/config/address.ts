/**
 * `host:port` server addresses as EMQX writes them (`127.0.0.1:6379`), plus
 * bracketed IPv6 (`[::1]:6379`) because a bare IPv6 host cannot be told apart
 * from its port.
 */
import type { ServerAddress } from './model.js'
import { clip, type Fail } from './decode.js'

/**
 * Parses one `host:port`. The port is required: guessing 6379 for a sentinel
 * list (whose default is 26379) would connect to the wrong thing.
 *
 * @example
 * parseServerAddress('127.0.0.1:6379', fail) // { host: '127.0.0.1', port: 6379 }
 * parseServerAddress('[::1]:6380', fail)     // { host: '::1', port: 6380 }
 */
export function parseServerAddress(text: string, fail: Fail): ServerAddress {
  const s = text.trim()
  let host: string
  let portText: string
  if (s.startsWith('[')) {
    const end = s.indexOf(']')
    if (end < 0 || s[end + 1] !== ':') fail(`bad server address "${clip(s)}": expected [ipv6]:port`)
    host = s.slice(1, end)
    portText = s.slice(end + 2)
  } else {
    const colon = s.lastIndexOf(':')
    if (colon < 0) fail(`bad server address "${clip(s)}": expected host:port`)
    host = s.slice(0, colon)
    portText = s.slice(colon + 1)
    if (host.includes(':')) fail(`bad server address "${clip(s)}": write an IPv6 host in brackets, [host]:port`)
  }
  if (host === '' || /[\s,]/.test(host)) fail(`bad server address "${clip(s)}": missing or malformed host`)
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN
  if (!(port >= 1 && port <= 65535)) fail(`bad port "${clip(portText)}" in server "${clip(s)}": expected 1..65535`)
  return { host, port }
}

/**
 * Parses a comma-separated list, the form EMQX uses for sentinels and cluster seeds.
 *
 * @example
 * parseServerList('10.0.0.1:26379, 10.0.0.2:26379', fail).length // 2
 */
export function parseServerList(text: string, fail: Fail): ServerAddress[] {
  if (text.trim() === '') fail('server is empty: expected host:port')
  return text.split(',').map((part) => parseServerAddress(part, fail))
}

/**
 * The inverse of `parseServerAddress`.
 *
 * @example
 * formatServerAddress({ host: '::1', port: 6379 }) // '[::1]:6379'
 */
export function formatServerAddress(address: ServerAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`
}
