/**
 * Applies one `backend.redis.<pool>.<setting> = value` line to a pool draft,
 * decoding the text value into the model's type.
 */
import { parseServerList } from './address.js'
import type { PoolSetting } from './conf-keys.js'
import { clip, parseIntStrict, type Fail } from './decode.js'
import type { PoolDraft } from './pool.js'

/**
 * Sets `setting` on `draft` from its text `value` found on `line`.
 *
 * @example
 * applyPoolSetting(draft, 'pool_size', '8', 4, fail) // draft.poolSize = { value: 8, line: 4 }
 */
export function applyPoolSetting(draft: PoolDraft, setting: PoolSetting, value: string, line: number, fail: Fail): void {
  switch (setting) {
    case 'server': draft.servers = { value: parseServerList(value, fail), line }; return
    case 'pool_size': draft.poolSize = { value: integer(value, 1, 'pool_size', fail), line }; return
    case 'database': draft.database = { value: integer(value, 0, 'database', fail), line }; return
    // An empty value (`password =`) is how a conf line says "none".
    case 'channel': draft.channel = { value: value === '' ? null : value, line }; return
    case 'password': draft.password = { value: value === '' ? null : value, line }; return
    case 'username': draft.username = { value: value === '' ? null : value, line }; return
    case 'sentinel': draft.sentinel = { value: nonEmpty(value, 'sentinel', fail), line }; return
    case 'type': draft.type = { value: poolType(value, fail), line }; return
    case 'ssl': draft.tls = { value: onOff(value, 'ssl', fail), line }; return
    case 'ssl.cacertfile': draft.tlsCa = { value: nonEmpty(value, setting, fail), line }; return
    case 'ssl.certfile': draft.tlsCert = { value: nonEmpty(value, setting, fail), line }; return
    case 'ssl.keyfile': draft.tlsKey = { value: nonEmpty(value, setting, fail), line }; return
    case 'ssl.verify': draft.tlsVerify = { value: verify(value, fail), line }; return
  }
}

function integer(value: string, min: number, what: string, fail: Fail): number {
  const n = parseIntStrict(value)
  if (n === null || n < min) fail(`bad number for ${what}: "${clip(value)}" (expected an integer >= ${min})`)
  return n
}

function nonEmpty(value: string, what: string, fail: Fail): string {
  if (value === '') fail(`${what} is empty`)
  return value
}

function poolType(value: string, fail: Fail): 'single' | 'sentinel' | 'cluster' {
  if (value === 'single' || value === 'sentinel' || value === 'cluster') return value
  fail(`bad pool type "${clip(value)}": expected single, sentinel or cluster`)
}

function onOff(value: string, what: string, fail: Fail): boolean {
  if (value === 'on' || value === 'true') return true
  if (value === 'off' || value === 'false') return false
  fail(`bad value for ${what}: "${clip(value)}" (expected on, off, true or false)`)
}

// EMQX spells it verify_peer / verify_none (Erlang ssl options); on/off also read naturally.
function verify(value: string, fail: Fail): boolean {
  if (value === 'verify_peer') return true
  if (value === 'verify_none') return false
  if (['on', 'true', 'off', 'false'].includes(value)) return onOff(value, 'ssl.verify', fail)
  fail(`bad value for ssl.verify: "${clip(value)}" (expected verify_peer, verify_none, on or off)`)
}
