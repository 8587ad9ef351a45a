import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { defaultBackendConfig } from '../../../src/config/defaults.js'
import { loadConfigFile } from '../../../src/config/load.js'
import { FUNCTIONS, type BackendConfig, type HookRule } from '../../../src/config/model.js'
import { expectConfigError, withoutSources } from './support.js'

const example = (name: string) => fileURLToPath(new URL(`../../../examples/${name}`, import.meta.url))
const FALLBACK = { fallbackServer: { host: '127.0.0.1', port: 6379 } }
const functionRules = (c: BackendConfig) => c.hooks.filter((h) => h.action.kind === 'function')
const commandRules = (c: BackendConfig) =>
  c.hooks.flatMap((h: HookRule) => (h.action.kind === 'commands' ? [[h.hook, h.topic, h.action.commands] as const] : []))

describe('defaultBackendConfig', () => {
  const d = defaultBackendConfig({ host: 'redis', port: 6400 })

  it('is pool1 at the server, 8 connections, database 0, channel mqtt_channel, 7200 s', () => {
    expect(d.pools).toMatchObject([{ name: 'pool1', type: 'single', servers: [{ host: 'redis', port: 6400 }], poolSize: 8, database: 0, channel: 'mqtt_channel' }])
    expect(d.defaultPool).toBe('pool1')
    expect(d.expiredTimeSec).toBe(7200)
  })

  it('holds the 11 documented function rules on pool1, each on its own hook', () => {
    expect(d.hooks).toHaveLength(11)
    for (const h of d.hooks) {
      expect(h.pool).toBe('pool1')
      if (h.action.kind !== 'function') throw new Error('expected a function rule')
      expect(FUNCTIONS[h.action.name]).toBe(h.hook)
    }
    const topics = Object.fromEntries(d.hooks.map((h) => [h.action.kind === 'function' ? h.action.name : '', h.topic]))
    expect(topics).toEqual({
      on_client_connected: null, on_subscribe_lookup: null, on_client_disconnected: null,
      on_message_fetch_for_queue: 'queue/#', on_message_fetch_for_pubsub: 'pubsub/#', on_retain_lookup: '#',
      on_message_publish: '#', on_message_retain: '#', on_retain_delete: '#',
      on_message_acked_for_queue: 'queue/#', on_message_acked_for_pubsub: 'pubsub/#',
    })
  })
})

describe('the examples', () => {
  it('emqx_backend_redis.conf: the documented settings, 11 function rules and one commands rule', () => {
    const c = loadConfigFile(example('emqx_backend_redis.conf'))
    expect(c.pools).toMatchObject([{ name: 'pool1', servers: [{ host: '127.0.0.1', port: 6379 }], poolSize: 8, database: 1, channel: 'mqtt_channel' }])
    expect(c.expiredTimeSec).toBe(3600)
    expect(functionRules(c)).toHaveLength(11)
    expect(commandRules(c)).toEqual([['client.connected', null, ['SET conn:${clientid} clientid']]])
  })

  it('statistics.conf: the default function rules plus the statistics commands, against the fallback server', () => {
    const c = loadConfigFile(example('statistics.conf'), FALLBACK)
    const defaults = defaultBackendConfig(FALLBACK.fallbackServer)
    expect(withoutSources({ ...c, hooks: functionRules(c) })).toEqual(withoutSources({ ...defaults, pools: c.pools }))
    const dropped = ['HINCRBY emqx_message_dropped_count ${topic} 1', 'HINCRBY message_dropped_reason ${reason} 1']
    expect(commandRules(c)).toEqual([
      ['client.disconnected', null, ['HINCRBY disconnected_reason ${reason} 1']],
      ['message.publish', 'store-last-message/+', ['HSET emqx_messages ${clientid} ${payload.temp}']],
      ['client.check_authz_complete', null, ['HINCRBY authz_source ${authz_source} 1', 'HINCRBY authz_result ${result}:${action} 1']],
      ['message.dropped', null, dropped],
      ['delivery.dropped', null, dropped],
    ])
  })

  it('statistics.json says the same as statistics.conf', () => {
    const conf = loadConfigFile(example('statistics.conf'), FALLBACK)
    const json = loadConfigFile(example('statistics.json'), FALLBACK)
    expect(withoutSources(json)).toEqual(withoutSources(conf))
    expect(json.hooks.every((h) => h.source.line > 0 && h.source.file.endsWith('statistics.json'))).toBe(true)
  })

  it('statistics files need a server: they declare no pool', () => {
    expectConfigError(() => loadConfigFile(example('statistics.conf')), example('statistics.conf'), 0, 'no Redis pool')
  })
})

describe('loadConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-load-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('a missing file is a ConfigError on line 0', () => {
    const path = join(dir, 'absent.conf')
    expectConfigError(() => loadConfigFile(path), path, 0, 'cannot read', 'ENOENT')
  })

  it('chooses the reader by extension', () => {
    const asJson = join(dir, 'c.JSON')
    writeFileSync(asJson, '{"pools": {"pool1": {"server": "h:1"}}}')
    expect(loadConfigFile(asJson).pools[0]?.servers).toEqual([{ host: 'h', port: 1 }])
    const asConf = join(dir, 'c.cfg')
    writeFileSync(asConf, 'backend.redis.pool1.server = h:2\nbad line')
    expectConfigError(() => loadConfigFile(asConf), asConf, 2, 'expected "key = value"')
  })
})
