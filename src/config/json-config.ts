/**
 * The backend configuration as JSON (a file) or as a plain object (passed to
 * `createEngine`). The shape, with every field but `pools.<name>.server`
 * optional:
 *
 * ```json
 * {
 *   "pools": {
 *     "pool1": {
 *       "type": "single",                  // or "sentinel" / "cluster"; "sentinel" is implied by a master name
 *       "server": "127.0.0.1:6379",        // or ["host:port", ...] (sentinels, cluster seeds)
 *       "pool_size": 8, "database": 0,
 *       "username": null, "password": null,
 *       "channel": "mqtt_channel",
 *       "sentinel": "mymaster",            // sentinel master name
 *       "tls": { "ca": "ca.pem", "cert": "c.pem", "key": "k.pem", "verify": true }  // or true / false
 *     }
 *   },
 *   "expired_time": 7200,                  // seconds; <= 0 means the default, 7200
 *   "hooks": [
 *     { "hook": "message.publish", "topic": "#", "action": { "function": "on_message_publish" }, "pool": "pool1" },
 *     { "hook": "client.connected", "action": { "commands": ["SET conn:${clientid} clientid"] } }
 *   ]
 * }
 * ```
 *
 * A hook entry may also carry `"order": N` (the `.N` of a conf key); without
 * it, rules of one hook run in array order.
 */
import { assemble, type ParseOptions } from './assemble.js'
import { describeValue, findUnknownKey, isRecord, unknownFieldProblem, type Fail } from './decode.js'
import { decodeJsonPool } from './json-pool.js'
import { JsonSyntaxError, lineAt, scanJson, type JsonPath } from './json-lines.js'
import { ConfigError, type BackendConfig, type HookName } from './model.js'
import { finishPool, POOL_NAME } from './pool.js'
import { decodeRuleBody, parseHookName, type RuleDraft } from './rule.js'

type LineOf = (path: JsonPath) => number

/**
 * Parses a JSON configuration text. Errors name the line: of the syntax error,
 * or where the offending `pools.<name>` / `hooks[i]` element starts.
 *
 * @example
 * parseJsonConfig('{"pools": {"pool1": {"server": "127.0.0.1:6379"}}}', 'backend.json').defaultPool // 'pool1'
 */
export function parseJsonConfig(text: string, file: string, opts: ParseOptions = {}): BackendConfig {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    throw new ConfigError(file, syntaxErrorLine(text, message), `invalid JSON: ${message}`)
  }
  const layout = scanJson(text)
  if (layout.duplicate !== null) {
    throw new ConfigError(file, layout.duplicate.line, `duplicate key ${layout.duplicate.path.map((p) => JSON.stringify(p)).join(' > ')}`)
  }
  return decodeConfig(value, file, (path) => layout.lineOf(path), opts)
}

/**
 * Validates a configuration object (the JSON shape above, already parsed).
 * Errors carry line 0: an object has no lines.
 *
 * @example
 * validateConfig({ hooks: [] }, 'createEngine', { fallbackServer: { host: 'localhost', port: 6379 } }).pools[0].name // 'pool1'
 */
export function validateConfig(value: unknown, file: string, opts: ParseOptions = {}): BackendConfig {
  return decodeConfig(value, file, () => 0, opts)
}

// V8 gives a position for some syntax errors only ("Unexpected token" messages have none); the scanner finds the rest.
function syntaxErrorLine(text: string, message: string): number {
  const m = /at position (\d+)/.exec(message)
  if (m?.[1] !== undefined) return lineAt(text, Number(m[1]))
  try {
    scanJson(text)
  } catch (e) {
    if (e instanceof JsonSyntaxError) return lineAt(text, e.offset)
  }
  return lineAt(text, text.length)
}

function decodeConfig(value: unknown, file: string, lineOf: LineOf, opts: ParseOptions): BackendConfig {
  const failOn = (path: JsonPath): Fail => (problem) => {
    throw new ConfigError(file, lineOf(path), problem)
  }
  const failTop: Fail = failOn([])
  if (!isRecord(value)) failTop(`configuration must be an object, got ${describeValue(value)}`)
  const top = ['pools', 'expired_time', 'hooks']
  const unknown = findUnknownKey(value, top)
  if (unknown !== null) failOn([unknown])(unknownFieldProblem(unknown, top, 'configuration'))
  const { pools = {}, expired_time: expired = null, hooks = [] } = value
  const failPools: Fail = failOn(['pools'])
  if (!isRecord(pools)) failPools(`"pools" must be an object of pools by name, got ${describeValue(pools)}`)
  const failExpired: Fail = failOn(['expired_time'])
  if (expired !== null && (typeof expired !== 'number' || !Number.isSafeInteger(expired))) {
    failExpired(`bad number for expired_time: ${describeValue(expired)} (expected whole seconds)`)
  }
  const failHooks: Fail = failOn(['hooks'])
  if (!Array.isArray(hooks)) failHooks(`"hooks" must be an array of rules, got ${describeValue(hooks)}`)
  const failAt = (line: number, problem: string): never => {
    throw new ConfigError(file, line, problem)
  }
  const poolConfigs = Object.entries(pools).map(([name, p]) => {
    const path = ['pools', name]
    if (!POOL_NAME.test(name)) failOn(path)(`bad pool name ${JSON.stringify(name)}: use letters, digits, _ and -`)
    return finishPool(decodeJsonPool(name, p, { file, line: lineOf(path) }, failOn(path)), failAt)
  })
  return assemble({
    file,
    pools: poolConfigs,
    rules: decodeRules(hooks, file, lineOf),
    expiredTimeSec: expired,
    noPoolLine: lineOf(['pools']),
    noPoolHint: 'add e.g. "pools": {"pool1": {"server": "host:port"}}',
  }, opts)
}

function decodeRules(hooks: readonly unknown[], file: string, lineOf: LineOf): RuleDraft[] {
  const lastOrder = new Map<HookName, number>()
  return hooks.map((entry, i) => {
    const line = lineOf(['hooks', i])
    const fail: Fail = (problem) => {
      throw new ConfigError(file, line, `hooks[${i}]: ${problem}`)
    }
    if (!isRecord(entry)) fail(`a rule must be an object, got ${describeValue(entry)}`)
    const name = entry['hook']
    if (typeof name !== 'string') fail(`"hook" must name a hook, got ${name === undefined ? 'nothing' : describeValue(name)}`)
    const hook = parseHookName(name, fail)
    const given = entry['order']
    if (given !== undefined && (typeof given !== 'number' || !Number.isSafeInteger(given) || given < 1)) {
      fail(`"order" must be a positive integer, got ${describeValue(given)}`)
    }
    const order = given ?? (lastOrder.get(hook) ?? 0) + 1
    lastOrder.set(hook, Math.max(order, lastOrder.get(hook) ?? 0))
    return { hook, order, ...decodeRuleBody(entry, hook, ['hook', 'order'], fail), source: { file, line } }
  })
}
