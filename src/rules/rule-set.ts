/**
 * A configuration's hook rules made ready to run: raw command templates
 * compiled once, at load time (so a bad template stops startup with its file
 * and line, and no value can ever change how a command splits), grouped by
 * hook; and the set of observed events the sessions must record for them.
 *
 * Function rules (`{"function": "on_message_publish"}`) are not run here:
 * they choose what the engine itself does (functions.ts).
 */
import { ConfigError, type BackendConfig, type HookName, type HookRule } from '../config/model.js'
import type { DomainEvent, ObservedEvent } from '../events/domain.js'
import { filterCovers } from '../offline/rules.js'
import { matches } from '../topics/topic.js'
import { hooksOf, observedFor, topicOf } from './hook-events.js'
import { compileCommand, TemplateError, type CompiledCommand } from './template.js'

export interface CommandRule {
  readonly rule: HookRule
  readonly commands: readonly CompiledCommand[]
}

export interface RuleSet {
  /** Command rules per hook, in the configuration's order. */
  readonly byHook: ReadonlyMap<HookName, readonly CommandRule[]>
  /** Observed events the sessions must record, because a command rule listens to their hook. */
  readonly observe: ReadonlySet<ObservedEvent['type']>
  /** Pools the command rules write to. */
  readonly pools: ReadonlySet<string>
}

/**
 * @example
 * const set = compileRules(config) // throws ConfigError naming the rule's file and line for a bad template
 * set.observe.has('MessageDropped') // true when a rule listens to message.dropped
 */
export function compileRules(config: BackendConfig): RuleSet {
  const byHook = new Map<HookName, CommandRule[]>()
  const observe = new Set<ObservedEvent['type']>()
  const pools = new Set<string>()
  for (const rule of config.hooks) {
    if (rule.action.kind !== 'commands') continue
    const commands = rule.action.commands.map((text) => {
      try {
        return compileCommand(text)
      } catch (e) {
        if (e instanceof TemplateError) throw new ConfigError(rule.source.file, rule.source.line, `command ${JSON.stringify(text)} of ${rule.hook} rule ${rule.order}: ${e.problem}`)
        throw e
      }
    })
    const list = byHook.get(rule.hook) ?? []
    list.push({ rule, commands })
    byHook.set(rule.hook, list)
    pools.add(rule.pool)
    const observed = observedFor(rule.hook)
    if (observed !== null) observe.add(observed)
  }
  return { byHook, observe, pools }
}

/**
 * Does `rule` apply to an event about `topic`? A rule without a topic applies
 * to everything. For subscriptions (`topic` is a filter) the rule's filter
 * must cover it, as EMQX's `session.subscribed` rules do (`queue/#` covers
 * `queue/a/+`); for messages, the rule's filter must match the topic. Client
 * events have no topic and are not limited by one.
 */
export function ruleApplies(rule: HookRule, topic: string | null, event: DomainEvent): boolean {
  if (rule.topic === null || topic === null) return true
  if (event.type === 'SubscriptionAdded' || event.type === 'SubscriptionRemoved') return filterCovers(rule.topic, topic)
  if (event.type === 'AuthorizationChecked' && event.data.extra['action'] === 'subscribe') return filterCovers(rule.topic, topic)
  return matches(rule.topic, topic)
}

/** The command rules a committed event triggers, in order. */
export function rulesFor(set: RuleSet, event: DomainEvent): CommandRule[] {
  const out: CommandRule[] = []
  const hooks = hooksOf(event)
  if (hooks.length === 0) return out
  const topic = topicOf(event)
  for (const hook of hooks) {
    for (const r of set.byHook.get(hook) ?? []) if (ruleApplies(r.rule, topic, event)) out.push(r)
  }
  return out
}
