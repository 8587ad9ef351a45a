import { describe, expect, it } from 'vitest'
import { parseEmqxConf } from '../../../src/config/emqx-conf.js'
import { parseJsonConfig, validateConfig } from '../../../src/config/json-config.js'
import { expectConfigError, withoutSources } from './support.js'

const F = 'c.json'
const json = (v: unknown) => JSON.stringify(v, null, 2)
const POOLS = { pool1: { server: '127.0.0.1:6379' } }

describe('parseJsonConfig / validateConfig: reading', () => {
  it('reads the documented shape into the same model as the conf', () => {
    const text = json({
      pools: {
        pool1: { type: 'single', server: '127.0.0.1:6379', pool_size: 8, database: 1, channel: 'mqtt_channel', username: null, password: 'pw' },
        s: { server: ['a:26379', 'b:26379'], sentinel: 'mymaster', tls: { ca: 'ca.pem', verify: true } },
        c: { type: 'cluster', server: 'n1:7000,n2:7001', tls: true },
      },
      expired_time: 3600,
      hooks: [
        { hook: 'message.publish', topic: '#', action: { function: 'on_message_publish' }, pool: 'pool1' },
        { hook: 'client.connected', action: { commands: ['SET conn:${clientid} clientid'] }, pool: 's' },
        { hook: 'message.publish', topic: '#', action: { function: 'on_message_retain' } },
      ],
    })
    const fromJson = parseJsonConfig(text, F)
    const fromConf = parseEmqxConf([
      'backend.redis.pool1.type = single', 'backend.redis.pool1.server = 127.0.0.1:6379', 'backend.redis.pool1.pool_size = 8',
      'backend.redis.pool1.database = 1', 'backend.redis.pool1.channel = mqtt_channel', 'backend.redis.pool1.password = pw',
      'backend.redis.s.server = a:26379,b:26379', 'backend.redis.s.sentinel = mymaster',
      'backend.redis.s.ssl.cacertfile = ca.pem', 'backend.redis.s.ssl.verify = verify_peer',
      'backend.redis.c.type = cluster', 'backend.redis.c.server = n1:7000,n2:7001', 'backend.redis.c.ssl = on',
      'backend.redis.expired_time = 3600',
      'backend.redis.hook.message.publish.1 = {"topic": "#", "action": {"function": "on_message_publish"}, "pool": "pool1"}',
      'backend.redis.hook.client.connected.1 = {"action": {"commands": ["SET conn:${clientid} clientid"]}, "pool": "s"}',
      'backend.redis.hook.message.publish.2 = {"topic": "#", "action": {"function": "on_message_retain"}}',
    ].join('\n'), 'c.conf')
    expect(withoutSources(fromJson)).toEqual(withoutSources(fromConf))
    const lines = text.split('\n')
    const lineOfPool = (name: string) => lines.findIndex((l) => l.trim() === `"${name}": {`) + 1
    expect(fromJson.pools.map((p) => p.source)).toEqual(['pool1', 's', 'c'].map((n) => ({ file: F, line: lineOfPool(n) })))
    expect(fromJson.pools[1]?.source.line).toBe(12)
  })

  it('numbers rules per hook in array order unless "order" is given', () => {
    const c = validateConfig({ pools: POOLS, hooks: [
      { hook: 'client.connected', order: 5, action: { commands: ['A'] } },
      { hook: 'client.connected', action: { commands: ['B'] } },
      { hook: 'client.connected', order: 2, action: { commands: ['C'] } },
    ] }, 'obj')
    expect(c.hooks.map((h) => [h.order, h.action.kind === 'commands' ? h.action.commands[0] : ''])).toEqual([[2, 'C'], [5, 'A'], [6, 'B']])
    expect(c.hooks.every((h) => h.source.line === 0 && h.source.file === 'obj')).toBe(true)
  })

  it('uses the fallback server when no pool is declared', () => {
    const c = validateConfig({}, 'obj', { fallbackServer: { host: 'h', port: 1 } })
    expect(c.pools.map((p) => [p.name, p.servers])).toEqual([['pool1', [{ host: 'h', port: 1 }]]])
    expect(c.expiredTimeSec).toBe(7200)
  })
})

describe('parseJsonConfig: errors name the line', () => {
  it('syntax errors, whether or not JSON.parse reports a position', () => {
    // V8 reports a position for this one...
    expectConfigError(() => parseJsonConfig('{\n  "pools": {\n    "pool1": {"server": "h:1",}\n  }\n}', F), F, 3, 'invalid JSON')
    // ...and none for an unexpected token, which the scanner locates.
    expectConfigError(() => parseJsonConfig('{\n  "pools": {},\n  "hooks": [\n    }\n  ]\n}', F), F, 4, 'invalid JSON', 'Unexpected token')
    expectConfigError(() => parseJsonConfig('{\n  "expired_time": tru\n}', F), F, 2, 'invalid JSON')
    expectConfigError(() => parseJsonConfig('{\n  "pools": {\n', F), F, 3, 'invalid JSON')
  })

  it('a semantic error in hooks[i], on the line where that element starts', () => {
    const text = json({ pools: POOLS, hooks: [
      { hook: 'client.connected', action: { function: 'on_client_connected' } },
      { hook: 'client.connected', action: { function: 'on_message_publish' } },
    ] })
    // JSON.stringify(_, null, 2) puts the element's "{" three lines above its "function".
    const line = text.split('\n').findIndex((l) => l.includes('on_message_publish')) + 1 - 3
    expect(text.split('\n')[line - 1]?.trim()).toBe('{')
    expectConfigError(() => parseJsonConfig(text, F), F, line, 'hooks[1]', 'belongs to hook message.publish')
  })

  it('a semantic error in pools.X, on the line where that pool starts', () => {
    const text = '{\n  "pools": {\n    "pool1": { "server": "h:1" },\n    "pool2": {\n      "server": "h:99999"\n    }\n  }\n}'
    expectConfigError(() => parseJsonConfig(text, F), F, 4, 'bad port "99999"')
    expectConfigError(() => parseJsonConfig('{\n"pools": {\n"p": {"pool_size": 2}}}', F), F, 3, 'pool "p" has no server')
  })

  it('each rule check, as for the conf', () => {
    const bad = (hook: unknown, line = 4) => {
      const text = `{\n  "pools": {"pool1": {"server": "h:1"}},\n  "hooks": [\n    ${JSON.stringify(hook)}\n  ]\n}`
      return (...fragments: string[]) => expectConfigError(() => parseJsonConfig(text, F), F, line, ...fragments)
    }
    bad({ hook: 'nope', action: { commands: ['X'] } })('unknown hook "nope"', 'valid hooks:')
    bad({ action: { commands: ['X'] } })('"hook" must name a hook')
    bad({ hook: 'message.publish', action: { function: 'x' } })('unknown function "x"')
    bad({ hook: 'message.publish', action: {} })('exactly one of')
    bad({ hook: 'message.publish', action: { commands: [] } })('non-empty array')
    bad({ hook: 'message.publish', action: { commands: ['X'] }, pool: 'nope' })('pool "nope"', 'not declared')
    bad({ hook: 'message.publish', topic: 'a+', action: { commands: ['X'] } })('bad topic filter')
    bad({ hook: 'message.publish', order: 0, action: { commands: ['X'] } })('"order" must be a positive integer')
    bad({ hook: 'message.publish', action: { commands: ['X'] }, extra: 1 })('unknown field "extra" in rule')
    bad('rule')('a rule must be an object')
  })

  it('duplicate rule numbers and duplicate keys', () => {
    const rules = `[\n{"hook": "client.connected", "action": {"commands": ["A"]}},\n{"hook": "client.connected", "order": 1, "action": {"commands": ["B"]}}\n]`
    expectConfigError(() => parseJsonConfig(`{"pools": {"pool1": {"server": "h:1"}},\n"hooks": ${rules}}`, F), F, 4, 'duplicate rule 1 for hook client.connected', 'line 3')
    expectConfigError(() => parseJsonConfig('{\n"pools": {"pool1": {"server": "h:1"}},\n"expired_time": 1,\n"expired_time": 2\n}', F), F, 4, 'duplicate key "expired_time"')
  })

  it('top-level problems', () => {
    expectConfigError(() => parseJsonConfig('{\n"pools": {"pool1": {"server": "h:1"}},\n"hook": []\n}', F), F, 3, 'unknown field "hook" in configuration')
    expectConfigError(() => parseJsonConfig('{\n"pools": {"pool1": {"server": "h:1"}},\n"expired_time": "1h"\n}', F), F, 3, 'bad number for expired_time')
    expectConfigError(() => parseJsonConfig('{\n"pools": []\n}', F), F, 2, '"pools" must be an object')
    expectConfigError(() => parseJsonConfig('{\n"pools": {}\n}', F), F, 2, 'no Redis pool is declared')
    expectConfigError(() => parseJsonConfig('[]', F), F, 1, 'configuration must be an object')
  })

  it('pool problems', () => {
    const pool = (p: unknown) => () => parseJsonConfig(`{"pools": {\n"pool1": ${JSON.stringify(p)}}}`, F)
    expectConfigError(pool({ server: 'h:1', pool_size: 0 }), F, 2, 'bad number for pool_size')
    expectConfigError(pool({ server: 'h:1', database: 1.5 }), F, 2, 'bad number for database')
    expectConfigError(pool({ server: [] }), F, 2, 'non-empty array')
    expectConfigError(pool({ server: ['h:1', 5] }), F, 2, '"server" entries')
    expectConfigError(pool({ server: 'h:1', type: 'replica' }), F, 2, 'bad pool type')
    expectConfigError(pool({ server: 'h:1', tls: { ca: 'x', crt: 'y' } }), F, 2, 'unknown field "crt" in tls')
    expectConfigError(pool({ server: 'h:1', tls: 'yes' }), F, 2, '"tls" must be')
    expectConfigError(pool({ server: 'h:1', sentinel: 'm', type: 'cluster' }), F, 2, 'only for type sentinel')
    expectConfigError(pool({ server: 'h:1', port: 1 }), F, 2, 'unknown field "port" in pool "pool1"')
    expectConfigError(pool('h:1'), F, 2, 'must be an object')
    expectConfigError(() => parseJsonConfig('{"pools": {\n"a.b": {"server": "h:1"}}}', F), F, 2, 'bad pool name')
  })

  it('objects report line 0', () => {
    expectConfigError(() => validateConfig({ pools: POOLS, hooks: [{ hook: 'x' }] }, 'createEngine'), 'createEngine', 0, 'hooks[0]', 'unknown hook')
    expectConfigError(() => validateConfig(null, 'createEngine'), 'createEngine', 0, 'configuration must be an object')
    expectConfigError(() => validateConfig({}, 'createEngine'), 'createEngine', 0, 'no Redis pool')
  })
})
