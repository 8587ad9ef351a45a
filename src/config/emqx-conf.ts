/**
 * Reads EMQX's `emqx_backend_redis.conf` format: `key = value` lines, `#`
 * comments, hook rules whose value is a JSON object. See `conf-keys.ts` for
 * the key layout.
 */
import { assemble, type ParseOptions } from './assemble.js'
import { canonicalKey, classifyKey, POOL_SETTINGS, type ConfKey } from './conf-keys.js'
import { applyPoolSetting } from './conf-pool.js'
import { clip, isRecord, parseIntStrict, type Fail } from './decode.js'
import { ConfigError, HOOKS, type BackendConfig } from './model.js'
import { finishPool, type PoolDraft } from './pool.js'
import { decodeRuleBody, parseHookName, type RuleDraft } from './rule.js'

interface State {
  readonly file: string
  readonly pools: Map<string, PoolDraft>
  readonly rules: RuleDraft[]
  expiry: number | null
}

/**
 * Parses the text of an `emqx_backend_redis.conf`. Throws `ConfigError` naming
 * the file and line of the first problem. Without `opts.fallbackServer` the
 * text must declare at least one pool.
 *
 * @example
 * parseEmqxConf([
 *   'backend.redis.pool1.server = 127.0.0.1:6379',
 *   'backend.redis.hook.message.publish.1 = {"topic": "#", "action": {"function": "on_message_publish"}}',
 * ].join('\n'), 'emqx_backend_redis.conf').hooks[0].pool // 'pool1'
 */
export function parseEmqxConf(text: string, file: string, opts: ParseOptions = {}): BackendConfig {
  const state: State = { file, pools: new Map(), rules: [], expiry: null }
  const seen = new Map<string, number>()
  text.split(/\r\n|\n|\r/).forEach((raw, i) => {
    const line = i + 1
    const s = raw.trim()
    if (s === '' || s.startsWith('#')) return
    const fail: Fail = (problem) => {
      throw new ConfigError(file, line, problem)
    }
    const eq = s.indexOf('=')
    const key = eq < 0 ? '' : s.slice(0, eq).trim()
    if (key === '' || /\s/.test(key)) fail(`expected "key = value", got "${clip(s)}"`)
    const k = classifyKey(key)
    if (k === null) fail(unknownKey(key))
    const canonical = canonicalKey(k)
    const first = seen.get(canonical)
    if (first !== undefined) fail(`duplicate key ${key} (already set on line ${first})`)
    seen.set(canonical, line)
    apply(state, k, s.slice(eq + 1).trim(), line, fail)
  })
  const failAt = (line: number, problem: string): never => {
    throw new ConfigError(file, line, problem)
  }
  return assemble({
    file,
    pools: [...state.pools.values()].map((d) => finishPool(d, failAt)),
    rules: state.rules,
    expiredTimeSec: state.expiry,
    noPoolLine: 0,
    noPoolHint: 'set e.g. backend.redis.pool1.server = host:port',
  }, opts)
}

function apply(state: State, k: ConfKey, value: string, line: number, fail: Fail): void {
  switch (k.kind) {
    case 'pool': {
      let draft = state.pools.get(k.pool)
      if (draft === undefined) {
        draft = { name: k.pool, source: { file: state.file, line } }
        state.pools.set(k.pool, draft)
      }
      applyPoolSetting(draft, k.setting, value, line, fail)
      return
    }
    case 'expiry': {
      const n = parseIntStrict(value)
      if (n === null) fail(`bad number for expired time: "${clip(value)}" (expected whole seconds)`)
      state.expiry = n
      return
    }
    case 'hook':
      state.rules.push(hookRule(state.file, k.hook, k.order, value, line, fail))
  }
}

function hookRule(file: string, hookName: string, orderText: string, value: string, line: number, fail: Fail): RuleDraft {
  // `hook.message.publish` (number forgotten) splits as hook "message", rule "publish": say what is missing.
  if (HOOKS.some((h) => h === `${hookName}.${orderText}`)) fail(`hook rule key must end with the rule number (.1, .2, ...)`)
  const hook = parseHookName(hookName, fail)
  if (!/^[1-9]\d{0,8}$/.test(orderText)) fail(`hook rule key must end with the rule number (.1, .2, ...), got "${clip(orderText)}"`)
  let body: unknown
  try {
    body = JSON.parse(value)
  } catch (e) {
    fail(`rule is not valid JSON: ${e instanceof Error ? e.message : String(e)}`)
  }
  if (!isRecord(body)) fail('rule must be a JSON object like {"action": {...}, "pool": "pool1"}')
  return { hook, order: Number(orderText), ...decodeRuleBody(body, hook, [], fail), source: { file, line } }
}

function unknownKey(key: string): string {
  return `unknown key "${clip(key)}"; expected backend.redis.[<pool>.]<setting> (settings: ${POOL_SETTINGS.join(', ')}), `
    + 'backend.redis.hook.<hook>.<N> or backend.redis.msg.expired_after'
}
