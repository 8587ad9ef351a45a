import { describe, expect, it } from 'vitest'
import { defaultBackendConfig } from '../../../src/config/defaults.js'
import { parseEmqxConf } from '../../../src/config/emqx-conf.js'
import { ConfigError } from '../../../src/config/model.js'
import type { DomainEvent, EventMeta, ObservedData } from '../../../src/events/domain.js'
import { contextOf, hooksOf } from '../../../src/rules/hook-events.js'
import { featuresOf } from '../../../src/rules/functions.js'
import { compileRules, rulesFor } from '../../../src/rules/rule-set.js'
import { renderCommand } from '../../../src/rules/template.js'

const meta: EventMeta = { clientId: 'dev-1', node: 'n1', seq: 1, at: 1_700_000_000_000 }
const none: ObservedData = { topic: null, qos: null, msgId: null, reason: null, payload: null, extra: {} }
const server = 'backend.redis.pool1.server = 127.0.0.1:6379'
const conf = (...lines: string[]) => parseEmqxConf([server, ...lines].join('\n'), 'test.conf')

describe('compileRules', () => {
  it('keeps command rules by hook, and asks the sessions to record the observed events their hooks need', () => {
    const set = compileRules(conf(
      'backend.redis.hook.message.dropped.1 = {"action": {"commands": ["HINCRBY dropped ${topic} 1"]}}',
      'backend.redis.hook.client.disconnected.1 = {"action": {"commands": ["HINCRBY reasons ${reason} 1"]}}',
      'backend.redis.hook.message.publish.1 = {"topic": "#", "action": {"function": "on_message_publish"}}',
    ))
    expect([...set.byHook.keys()].sort()).toEqual(['client.disconnected', 'message.dropped'])
    // client.disconnected is fired by the engine's own ClientDisconnected; message.dropped needs recording.
    expect([...set.observe]).toEqual(['MessageDropped'])
    expect([...set.pools]).toEqual(['pool1'])
  })

  it('turns a broken template into a ConfigError at the rule\'s line', () => {
    const e = (() => {
      try {
        compileRules(conf('', 'backend.redis.hook.client.connected.1 = {"action": {"commands": ["SET conn:${clientid clientid"]}}'))
      } catch (err) {
        return err
      }
      return null
    })()
    expect(e).toBeInstanceOf(ConfigError)
    expect((e as ConfigError).line).toBe(3)
    expect((e as ConfigError).problem).toContain('client.connected rule 1')
  })

  it('a rule\'s topic covers subscription filters and matches message topics', () => {
    const set = compileRules(conf(
      'backend.redis.hook.session.subscribed.1 = {"topic": "queue/#", "action": {"commands": ["SADD q ${clientid}"]}}',
      'backend.redis.hook.message.dropped.1 = {"topic": "sensors/+/temp", "action": {"commands": ["INCR d"]}}',
    ))
    const sub = (filter: string): DomainEvent => ({ type: 'SubscriptionAdded', meta, data: { filter, qos: 1, options: { nl: false, rap: false, rh: 0 }, fetch: true, pubsubStart: null } })
    const dropped = (topic: string): DomainEvent => ({ type: 'MessageDropped', meta, data: { ...none, topic, reason: 'no_subscribers' } })
    expect(rulesFor(set, sub('queue/a/+'))).toHaveLength(1)
    expect(rulesFor(set, sub('#'))).toHaveLength(0) // a catch-all filter is not inside queue/#
    expect(rulesFor(set, dropped('sensors/k/temp'))).toHaveLength(1)
    expect(rulesFor(set, dropped('sensors/k/hum'))).toHaveLength(0)
  })
})

describe('hook events', () => {
  it('a clean connect is client.connected and session.created; a persistent one only client.connected', () => {
    const connected = (cleanStart: boolean): DomainEvent => ({ type: 'ClientConnected', meta, data: { connectionId: 'k', username: 'u', cleanStart, protocolVersion: 4 } })
    expect(hooksOf(connected(true))).toEqual(['client.connected', 'session.created'])
    expect(hooksOf(connected(false))).toEqual(['client.connected'])
    expect(hooksOf({ type: 'SessionPacketDeleted', meta, data: { box: 'will', id: '', messageId: null } })).toEqual([])
  })

  it('gives the templates the event\'s fields, its extra fields, and the time of the event', () => {
    const authz: DomainEvent = { type: 'AuthorizationChecked', meta, data: { ...none, topic: 't/1', reason: 'deny', extra: { action: 'publish', result: 'deny', authz_source: 'default' } } }
    const { compileCommand } = { compileCommand: (t: string) => compileRules(conf(`backend.redis.hook.client.check_authz_complete.1 = {"action": {"commands": [${JSON.stringify(t)}]}}`)).byHook.get('client.check_authz_complete')?.[0]?.commands[0] }
    const cmd = compileCommand('HINCRBY authz_result ${result}:${action} ${timestamp}')
    expect(cmd && renderCommand(cmd, contextOf(authz))).toEqual({ name: 'HINCRBY', args: ['authz_result', 'deny:publish', '1700000000000'] })
    const published: DomainEvent = { type: 'MessagePublished', meta, data: { ...none, topic: 'store/1', qos: 1, msgId: 'm1', payload: Buffer.from('{"temp":21.5}'), extra: { retain: 'false' } } }
    const ctx = contextOf(published)
    expect(ctx).toMatchObject({ clientid: 'dev-1', node: 'n1', topic: 'store/1', qos: 1, msgid: 'm1', retain: false })
  })
})

describe('function rules', () => {
  it('the default set stores queue/# and pubsub/# and does both lookups', () => {
    const f = featuresOf(defaultBackendConfig({ host: '127.0.0.1', port: 6379 }))
    expect(f.offline).toEqual({ queue: ['queue/#'], pubsub: ['pubsub/#'], latest: [], expiredTimeSec: 7200 })
    expect(f.subscribeLookup).toBe(true)
    expect(f.retainLookup).toBe(true)
  })

  it('without on_message_publish nothing is stored; without the lookups none is done; keep-latest topics come from its fetch rule', () => {
    const f = featuresOf(conf(
      'backend.redis.hook.session.subscribed.1 = {"topic": "queue/#", "action": {"function": "on_message_fetch_for_queue"}}',
      'backend.redis.hook.session.subscribed.2 = {"topic": "state/#", "action": {"function": "on_message_fetch_for_keep_latest"}}',
    ))
    expect(f.offline.queue).toEqual([])
    expect(f.offline.latest).toEqual([])
    expect(f.subscribeLookup).toBe(false)
    expect(f.retainLookup).toBe(false)
    const g = featuresOf(conf(
      'backend.redis.hook.message.publish.1 = {"topic": "#", "action": {"function": "on_message_publish"}}',
      'backend.redis.hook.session.subscribed.2 = {"topic": "state/#", "action": {"function": "on_message_fetch_for_keep_latest"}}',
    ))
    expect(g.offline.latest).toEqual(['state/#'])
    expect(g.offline.queue).toEqual([])
  })
})
