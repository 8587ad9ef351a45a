import { describe, expect, it } from 'vitest'
import { parseEmqxConf } from '../../../src/config/emqx-conf.js'
import { conf, expectConfigError } from './support.js'

const F = 'bad.conf'
const SERVER = 'backend.redis.pool1.server = 127.0.0.1:6379'
const rule = (key: string, body: string) => `backend.redis.hook.${key} = ${body}`
/** A conf whose line 2 is `line`. */
const at2 = (line: string) => conf(SERVER, line)
const parse = (text: string) => () => parseEmqxConf(text, F)

describe('parseEmqxConf: errors name file, line and problem', () => {
  it('a line that is not key = value', () => {
    expectConfigError(parse(at2('backend.redis.pool1.pool_size 8')), F, 2, 'expected "key = value"')
    expectConfigError(parse(at2('= 8')), F, 2, 'expected "key = value"')
    expectConfigError(parse(at2('backend redis = 8')), F, 2, 'expected "key = value"')
  })

  it('unknown keys', () => {
    expectConfigError(parse(at2('backend.redis.pool1.pool_sise = 8')), F, 2, 'unknown key "backend.redis.pool1.pool_sise"', 'pool_size')
    expectConfigError(parse(at2('mqtt.listener = 1883')), F, 2, 'unknown key "mqtt.listener"')
    expectConfigError(parse(at2('backend.redis.msg.ttl = 5')), F, 2, 'unknown key')
  })

  it('unknown hook, listing the valid ones', () => {
    const e = expectConfigError(parse(at2(rule('message.publishd.1', '{"action": {"commands": ["X"]}}'))), F, 2, 'unknown hook "message.publishd"')
    expect(e.problem).toContain('client.connected, client.disconnected')
  })

  it('hook key without a rule number', () => {
    expectConfigError(parse(at2(rule('message.publish', '{"action": {"commands": ["X"]}}'))), F, 2, 'rule number')
    expectConfigError(parse(at2(rule('message.publish.x', '{"action": {"commands": ["X"]}}'))), F, 2, 'rule number')
    expectConfigError(parse(at2(rule('message.publish.0', '{"action": {"commands": ["X"]}}'))), F, 2, 'rule number')
  })

  it('unknown function', () => {
    expectConfigError(parse(at2(rule('message.publish.1', '{"action": {"function": "on_publish"}}'))), F, 2, 'unknown function "on_publish"', 'on_message_publish')
  })

  it('a function on a hook it does not belong to', () => {
    expectConfigError(parse(at2(rule('client.connected.1', '{"action": {"function": "on_message_publish"}}'))), F, 2,
      'function on_message_publish belongs to hook message.publish, not client.connected')
  })

  it('bad JSON, with JSON.parse\'s message', () => {
    const body = '{"action": {"function": "on_client_connected"}'
    let message = ''
    try {
      JSON.parse(body)
    } catch (e) {
      message = e instanceof Error ? e.message : ''
    }
    expect(message).not.toBe('')
    expectConfigError(parse(at2(rule('client.connected.1', body))), F, 2, 'not valid JSON', message)
  })

  it('a rule that is not an object', () => {
    expectConfigError(parse(at2(rule('client.connected.1', '["on_client_connected"]'))), F, 2, 'must be a JSON object')
  })

  it('an action with neither or both of function and commands', () => {
    expectConfigError(parse(at2(rule('client.connected.1', '{"action": {}}'))), F, 2, 'exactly one of "function" or "commands"')
    expectConfigError(parse(at2(rule('client.connected.1', '{"action": {"function": "on_client_connected", "commands": ["X"]}}'))), F, 2, 'exactly one of')
    expectConfigError(parse(at2(rule('client.connected.1', '{"pool": "pool1"}'))), F, 2, '"action" must be an object')
  })

  it('commands that are not a non-empty array of non-empty strings', () => {
    expectConfigError(parse(at2(rule('client.connected.1', '{"action": {"commands": "SET a b"}}'))), F, 2, 'non-empty array')
    expectConfigError(parse(at2(rule('client.connected.1', '{"action": {"commands": []}}'))), F, 2, 'non-empty array')
    expectConfigError(parse(at2(rule('client.connected.1', '{"action": {"commands": ["SET a b", " "]}}'))), F, 2, '"commands"[1]')
    expectConfigError(parse(at2(rule('client.connected.1', '{"action": {"commands": [7]}}'))), F, 2, '"commands"[0]', 'number 7')
  })

  it('unknown fields in a rule or action', () => {
    expectConfigError(parse(at2(rule('message.publish.1', '{"topc": "#", "action": {"commands": ["X"]}}'))), F, 2, 'unknown field "topc" in rule')
    expectConfigError(parse(at2(rule('message.publish.1', '{"action": {"commands": ["X"], "args": 1}}'))), F, 2, 'unknown field "args" in action')
  })

  it('a rule naming an undeclared pool, on the rule\'s line', () => {
    const text = conf(rule('client.connected.1', '{"action": {"commands": ["X"]}, "pool": "pool9"}'), '', SERVER)
    expectConfigError(parse(text), F, 1, 'pool "pool9"', 'not declared', 'pool1')
  })

  it('bad topic filters', () => {
    expectConfigError(parse(at2(rule('message.publish.1', '{"topic": "a/#/b", "action": {"commands": ["X"]}}'))), F, 2, 'bad topic filter "a/#/b"', 'misplaced wildcard')
    expectConfigError(parse(at2(rule('message.publish.1', '{"topic": "", "action": {"commands": ["X"]}}'))), F, 2, 'bad topic filter', 'empty')
    expectConfigError(parse(at2(rule('message.publish.1', '{"topic": 3, "action": {"commands": ["X"]}}'))), F, 2, '"topic" must be')
  })

  it('bad numbers', () => {
    expectConfigError(parse(at2('backend.redis.pool1.pool_size = eight')), F, 2, 'bad number for pool_size')
    expectConfigError(parse(at2('backend.redis.pool1.pool_size = 0')), F, 2, 'bad number for pool_size')
    expectConfigError(parse(at2('backend.redis.pool1.database = -1')), F, 2, 'bad number for database')
    expectConfigError(parse(at2('backend.redis.pool1.database = 1.5')), F, 2, 'bad number for database')
    expectConfigError(parse(at2('backend.redis.msg.expired_after = 1h')), F, 2, 'bad number for expired time')
  })

  it('bad ports and addresses', () => {
    expectConfigError(parse('backend.redis.pool1.server = 127.0.0.1:65536'), F, 1, 'bad port "65536"')
    expectConfigError(parse('backend.redis.pool1.server = 127.0.0.1:0'), F, 1, 'bad port "0"')
    expectConfigError(parse('backend.redis.pool1.server = 127.0.0.1:redis'), F, 1, 'bad port "redis"')
    expectConfigError(parse('backend.redis.pool1.server = 127.0.0.1'), F, 1, 'expected host:port')
    expectConfigError(parse('backend.redis.pool1.server = ::1:6379'), F, 1, 'brackets')
    expectConfigError(parse('backend.redis.pool1.server = a:1,,b:2'), F, 1, 'bad server address')
  })

  it('duplicate keys, including the two spellings of one setting', () => {
    expectConfigError(parse(conf(SERVER, '', SERVER)), F, 3, 'duplicate key backend.redis.pool1.server', 'line 1')
    expectConfigError(parse(conf(SERVER, 'backend.redis.server = h:1')), F, 2, 'duplicate key backend.redis.server', 'line 1')
    expectConfigError(parse(conf(SERVER, 'backend.redis.expired_time = 1', 'backend.redis.msg.expired_after = 2')), F, 3, 'duplicate key')
    const r = rule('client.connected.1', '{"action": {"commands": ["X"]}}')
    expectConfigError(parse(conf(SERVER, r, r)), F, 3, 'duplicate key backend.redis.hook.client.connected.1')
  })

  it('a pool with no server, on the pool\'s first line', () => {
    expectConfigError(parse(conf(SERVER, 'backend.redis.pool2.pool_size = 4', 'backend.redis.pool2.database = 1')), F, 2, 'pool "pool2" has no server')
  })

  it('no pool at all, unless a fallback server is given', () => {
    const text = rule('client.connected.1', '{"action": {"commands": ["X"]}}')
    expectConfigError(parse(text), F, 0, 'no Redis pool is declared')
    expectConfigError(parse(''), F, 0, 'no Redis pool is declared')
  })

  it('pool settings that contradict each other, on the contradicting line', () => {
    expectConfigError(parse(conf(SERVER, 'backend.redis.pool1.type = single', 'backend.redis.pool1.sentinel = m')), F, 3, 'only for type sentinel')
    expectConfigError(parse(conf(SERVER, 'backend.redis.pool1.type = sentinel')), F, 2, 'names no sentinel master')
    expectConfigError(parse('backend.redis.pool1.server = a:1,b:2'), F, 1, 'takes one server, got 2')
    expectConfigError(parse(conf(SERVER, 'backend.redis.pool1.type = cluster', 'backend.redis.pool1.database = 3')), F, 3, 'only database 0')
    expectConfigError(parse(conf(SERVER, 'backend.redis.pool1.ssl = off', 'backend.redis.pool1.ssl.keyfile = k')), F, 3, 'TLS (ssl) is off')
  })

  it('bad enumerations', () => {
    expectConfigError(parse(at2('backend.redis.pool1.type = replica')), F, 2, 'bad pool type "replica"')
    expectConfigError(parse(at2('backend.redis.pool1.ssl = yes')), F, 2, 'bad value for ssl')
    expectConfigError(parse(at2('backend.redis.pool1.ssl.verify = maybe')), F, 2, 'bad value for ssl.verify')
  })

  it('the message carries file and line', () => {
    const e = expectConfigError(parse(at2('nope = 1')), F, 2)
    expect(e.message).toMatch(/^bad\.conf:2: unknown key/)
    expect(e.name).toBe('ConfigError')
  })
})
