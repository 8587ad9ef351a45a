/**
 * Running the command rules of committed domain events: for each event, the
 * rules of its hooks render their templates (values become arguments, never
 * command text) and send them on the rule's pool.
 *
 * It runs after the event is in Redis (and in the log), like the lookups, and
 * not during replay: replay rebuilds the engine's keys, while what a rule
 * writes (counters, most often) is the user's. Order: one client's commands
 * go out on one connection of the pool, in the order of its events. Delivery
 * is at least once: a command whose reply is lost to a dropped connection is
 * sent again when Redis is back (ioredis resends it), so a counter can count
 * an event twice then; while a pool is down its commands wait in memory.
 */
import type { Logger } from 'pino'
import type { DomainEvent } from '../events/domain.js'
import type { Pools } from '../redis/pools.js'
import { contextOf } from './hook-events.js'
import { rulesFor, type RuleSet } from './rule-set.js'
import { runCommands } from './run-commands.js'
import { renderCommand, type RenderedCommand } from './template.js'

export interface RuleRunnerStats {
  /** Commands Redis ran. */
  readonly sent: number
  /** Commands Redis refused (WRONGTYPE, ...) or that were refused before sending. */
  readonly failed: number
}

export interface RuleRunner {
  /** Start the commands of one committed event; never throws. */
  run(event: DomainEvent): void
  /** Resolves when every command started so far has its reply. */
  settled(): Promise<void>
  stats(): RuleRunnerStats
}

/**
 * @example
 * const runner = createRuleRunner(compileRules(config), pools, logger)
 * runner.run(event) // after the event is committed
 */
export function createRuleRunner(set: RuleSet, pools: Pools, logger: Logger): RuleRunner {
  const pending = new Set<Promise<void>>()
  let sent = 0
  let failed = 0
  // A refused command is worth one line per rule and minute, not one per event.
  const lastSaid = new Map<string, number>()
  const warn = (key: string, fields: Record<string, unknown>, msg: string): void => {
    const now = Date.now()
    if (now - (lastSaid.get(key) ?? 0) < 60_000) return
    lastSaid.set(key, now)
    logger.warn(fields, msg)
  }

  return {
    run(event) {
      const rules = rulesFor(set, event)
      if (rules.length === 0) return
      const ctx = contextOf(event)
      for (const { rule, commands } of rules) {
        const rendered: RenderedCommand[] = commands.map((c) => renderCommand(c, ctx))
        const connection = pools.get(rule.pool).client(event.meta.clientId)
        const p: Promise<void> = runCommands(connection, rendered)
          .then((outcomes) => {
            for (const o of outcomes) {
              if (o.ok) sent++
              else {
                failed++
                warn(`${rule.source.file}:${rule.source.line}:${o.command.name}`, { rule: `${rule.hook}.${rule.order}`, at: `${rule.source.file}:${rule.source.line}`, command: o.command.name, err: o.error.message }, 'a rule command failed')
              }
            }
          })
          .finally(() => pending.delete(p))
        pending.add(p)
      }
    },
    async settled() {
      while (pending.size > 0) await Promise.allSettled([...pending])
    },
    stats: () => ({ sent, failed }),
  }
}
