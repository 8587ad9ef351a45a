import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseEmqxConf } from '../../../src/config/emqx-conf.js'
import { parseJsonConfig, validateConfig } from '../../../src/config/json-config.js'
import { FUNCTIONS, HOOKS, type BackendConfig, type FunctionName, type HookRule, type PoolConfig, type RuleAction, type TlsOptions } from '../../../src/config/model.js'
import { isFunctionName } from '../../../src/config/rule.js'
import { renderConf, renderJson } from './render.js'
import { withoutSources } from './support.js'

const SRC = { file: 'gen', line: 0 }
/** Printable text a conf value can hold: no line breaks, no surrounding blanks (the reader trims). */
const word = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim() === s && s !== '' && !/[\r\n]/.test(s))
const server = fc.record({ host: fc.constantFrom('127.0.0.1', 'localhost', 'redis-a.example', '::1'), port: fc.integer({ min: 1, max: 65535 }) })
// `ssl = on` alone is {}: rare from the record, so asked for explicitly.
const tls: fc.Arbitrary<TlsOptions | null> = fc.option(fc.oneof(fc.constant({}), fc.record({ ca: word, cert: word, key: word, verify: fc.boolean() }, { requiredKeys: [] })))

const pool = (name: string): fc.Arbitrary<PoolConfig> => fc.constantFrom('single', 'sentinel', 'cluster').chain((type) => fc.record({
  name: fc.constant(name),
  type: fc.constant(type),
  servers: fc.array(server, { minLength: 1, maxLength: type === 'single' ? 1 : 3 }),
  sentinel: type === 'sentinel' ? word.filter((s) => !s.includes(',')) : fc.constant(null),
  poolSize: fc.integer({ min: 1, max: 64 }),
  database: type === 'cluster' ? fc.constant(0) : fc.integer({ min: 0, max: 15 }),
  username: fc.option(word),
  password: fc.option(word),
  tls,
  channel: fc.option(word),
  source: fc.constant(SRC),
}))

const functionsOf = (hook: string): FunctionName[] => Object.keys(FUNCTIONS).filter(isFunctionName).filter((f) => FUNCTIONS[f] === hook)
const action = (hook: string): fc.Arbitrary<RuleAction> => {
  const commands = fc.array(fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''), { minLength: 1, maxLength: 3 })
    .map((cs): RuleAction => ({ kind: 'commands', commands: cs }))
  const fns = functionsOf(hook)
  if (fns.length === 0) return commands
  return fc.oneof(commands, fc.constantFrom(...fns).map((name): RuleAction => ({ kind: 'function', name })))
}
const topic = fc.option(fc.constantFrom('#', '+', 'a/b', 'queue/#', 'pubsub/+/x', 'store-last-message/+', '$SYS/#', 'é/😀'))

const config: fc.Arbitrary<BackendConfig> = fc.uniqueArray(fc.constantFrom('pool1', 'pool2', 'cache', 'p-3'), { minLength: 1, maxLength: 3 })
  .chain((names) => fc.record({
    pools: fc.tuple(...names.map(pool)),
    expiredTimeSec: fc.integer({ min: 1, max: 1_000_000 }),
    hooks: fc.uniqueArray(
      fc.record({ hook: fc.constantFrom(...HOOKS), order: fc.integer({ min: 1, max: 20 }) }),
      { selector: (r) => `${r.hook}.${r.order}`, maxLength: 12 },
    ).chain((keys) => fc.tuple(...keys.map(({ hook, order }) => fc.record({
      hook: fc.constant(hook), order: fc.constant(order), topic, action: action(hook), pool: fc.constantFrom(...names), source: fc.constant(SRC),
    })))),
  }))
  .map(({ pools, expiredTimeSec, hooks }) => ({
    pools,
    defaultPool: pools.some((p) => p.name === 'pool1') ? 'pool1' : pools[0]!.name,
    expiredTimeSec,
    hooks: [...hooks].sort((a: HookRule, b: HookRule) => HOOKS.indexOf(a.hook) - HOOKS.indexOf(b.hook) || a.order - b.order),
  }))

describe('round trips (properties)', () => {
  it('the generator covers the interesting cases', () => {
    const sample = fc.sample(config, { numRuns: 200, seed: 7 })
    const pools = sample.flatMap((c) => c.pools)
    for (const t of ['single', 'sentinel', 'cluster']) expect(pools.some((p) => p.type === t)).toBe(true)
    expect(pools.some((p) => p.tls !== null && Object.keys(p.tls).length === 0)).toBe(true)
    const rules = sample.flatMap((c) => c.hooks)
    expect(rules.some((r) => r.action.kind === 'function')).toBe(true)
    expect(rules.some((r) => r.action.kind === 'commands')).toBe(true)
    expect(sample.some((c) => c.defaultPool !== 'pool1')).toBe(true)
  })

  it('a model rendered as conf parses back to the same model', () => {
    fc.assert(fc.property(config, fc.array(fc.constantFrom('', ' ', '    ', '\t'), { minLength: 1 }), fc.boolean(), (c, blanks, poolless) => {
      const text = renderConf(c, (i) => blanks[i % blanks.length]!, poolless)
      expect(withoutSources(parseEmqxConf(text, 'r.conf'))).toEqual(withoutSources(c))
    }), { numRuns: 300 })
  })

  it('a model rendered as JSON parses back to the same model, as text and as an object', () => {
    fc.assert(fc.property(config, (c) => {
      const text = renderJson(c)
      expect(withoutSources(parseJsonConfig(text, 'r.json'))).toEqual(withoutSources(c))
      const parsed: unknown = JSON.parse(text)
      expect(withoutSources(validateConfig(parsed, 'obj'))).toEqual(withoutSources(c))
    }), { numRuns: 300 })
  })

  it('every parsed rule points at the line that declared it', () => {
    fc.assert(fc.property(config, (c) => {
      const text = renderConf(c)
      const lines = text.split('\n')
      for (const r of parseEmqxConf(text, 'r.conf').hooks) expect(lines[r.source.line - 1]).toContain(`hook.${r.hook}.${r.order} =`)
    }), { numRuns: 100 })
  })
})
