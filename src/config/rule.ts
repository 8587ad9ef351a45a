/**
 * One hook rule's body, `{"topic": ..., "action": ..., "pool": ...}`, decoded
 * the same way whether it came from a conf line or from a JSON `hooks` entry.
 */
import { topicFilterProblem } from '../topics/topic.js'
import { clip, describeValue, isRecord, rejectUnknownKeys, type Fail } from './decode.js'
import { FUNCTIONS, HOOKS, type FunctionName, type HookName, type RuleAction, type Source } from './model.js'

/** A rule before pools are known: `pool` is null when the rule left it to the default pool. */
export interface RuleDraft {
  readonly hook: HookName
  readonly order: number
  readonly topic: string | null
  readonly action: RuleAction
  readonly pool: string | null
  readonly source: Source
}

/**
 * The hook named `name`, or a failure listing the valid ones.
 *
 * @example
 * parseHookName('message.publish', fail) // 'message.publish'
 */
export function parseHookName(name: string, fail: Fail): HookName {
  const hook = HOOKS.find((h) => h === name)
  if (hook === undefined) fail(`unknown hook "${clip(name)}"; valid hooks: ${HOOKS.join(', ')}`)
  return hook
}

/**
 * True when `name` is one of EMQX's backend functions.
 *
 * @example
 * isFunctionName('on_message_publish') // true
 */
export function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(FUNCTIONS, name)
}

/**
 * Decodes `topic`, `action` and `pool` of a rule on `hook`. Fields other than
 * those and `extraKeys` are rejected.
 *
 * @example
 * decodeRuleBody({ topic: '#', action: { function: 'on_message_publish' } }, 'message.publish', [], fail)
 * // { topic: '#', action: { kind: 'function', name: 'on_message_publish' }, pool: null }
 */
export function decodeRuleBody(
  body: Record<string, unknown>,
  hook: HookName,
  extraKeys: readonly string[],
  fail: Fail,
): Pick<RuleDraft, 'topic' | 'action' | 'pool'> {
  rejectUnknownKeys(body, [...extraKeys, 'topic', 'action', 'pool'], 'rule', fail)
  return { topic: decodeTopic(body['topic'], fail), action: decodeAction(body['action'], hook, fail), pool: decodePool(body['pool'], fail) }
}

function decodeTopic(value: unknown, fail: Fail): string | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string') fail(`"topic" must be a topic filter string, got ${describeValue(value)}`)
  const problem = topicFilterProblem(value)
  if (problem !== null) fail(`bad topic filter "${clip(value)}": ${problem.replaceAll('_', ' ')}`)
  return value
}

function decodePool(value: unknown, fail: Fail): string | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string' || value === '') fail(`"pool" must be a pool name, got ${describeValue(value)}`)
  return value
}

function decodeAction(value: unknown, hook: HookName, fail: Fail): RuleAction {
  if (!isRecord(value)) fail(`"action" must be an object with "function" or "commands", got ${value === undefined ? 'nothing' : describeValue(value)}`)
  rejectUnknownKeys(value, ['function', 'commands'], 'action', fail)
  const fn = value['function']
  const commands = value['commands']
  if ((fn === undefined) === (commands === undefined)) fail('"action" must have exactly one of "function" or "commands"')
  if (fn !== undefined) {
    if (typeof fn !== 'string' || !isFunctionName(fn)) {
      fail(`unknown function ${typeof fn === 'string' ? `"${clip(fn)}"` : describeValue(fn)}; valid functions: ${Object.keys(FUNCTIONS).join(', ')}`)
    }
    // EMQX calls each function from one hook only; elsewhere it would get the wrong arguments.
    if (FUNCTIONS[fn] !== hook) fail(`function ${fn} belongs to hook ${FUNCTIONS[fn]}, not ${hook}`)
    return { kind: 'function', name: fn }
  }
  if (!Array.isArray(commands) || commands.length === 0) fail(`"commands" must be a non-empty array of command strings, got ${describeValue(commands)}`)
  const checked: string[] = []
  for (const [i, c] of commands.entries()) {
    if (typeof c !== 'string' || c.trim() === '') fail(`"commands"[${i}] must be a non-empty command string, got ${describeValue(c)}`)
    checked.push(c)
  }
  return { kind: 'commands', commands: checked }
}
