import { describe, expect, it } from 'vitest'
import { parseEmqxConf } from '../../../src/config/emqx-conf.js'
import { conf } from './support.js'

const F = 'b.conf'
const SERVER = 'backend.redis.pool1.server = 127.0.0.1:6379'

describe('parseEmqxConf: reading', () => {
  it('ignores comments and blank lines, and takes any spacing around =', () => {
    const c = parseEmqxConf(conf('# one', '   ## two', '', '  backend.redis.pool1.server=10.0.0.1:7000  ', 'backend.redis.pool1.pool_size   =   3'), F)
    expect(c.pools[0]).toMatchObject({ servers: [{ host: '10.0.0.1', port: 7000 }], poolSize: 3, source: { file: F, line: 4 } })
  })

  it('reads CRLF files and values holding "="', () => {
    const c = parseEmqxConf(`${SERVER}\r\nbackend.redis.pool1.password = a=b#c\r\n`, F)
    expect(c.pools[0]?.password).toBe('a=b#c')
  })

  it('gives pool-less pool keys to pool1', () => {
    const c = parseEmqxConf(conf('backend.redis.server = h:1', 'backend.redis.database = 2', 'backend.redis.channel = ch'), F)
    expect(c.pools).toMatchObject([{ name: 'pool1', servers: [{ host: 'h', port: 1 }], database: 2, channel: 'ch' }])
  })

  it('applies defaults: single, 8 connections, database 0, no channel, expiry 7200', () => {
    const c = parseEmqxConf(SERVER, F)
    expect(c.pools[0]).toMatchObject({ type: 'single', poolSize: 8, database: 0, channel: null, tls: null, username: null, password: null })
    expect(c.expiredTimeSec).toBe(7200)
  })

  it.each([['msg.expired_after', '60', 60], ['expired_time', '60', 60], ['expired_time', '0', 7200], ['msg.expired_after', '-5', 7200]])(
    'backend.redis.%s = %s gives %i seconds', (key, value, want) => {
      expect(parseEmqxConf(conf(SERVER, `backend.redis.${key} = ${value}`), F).expiredTimeSec).toBe(want)
    })

  it('reads sentinel and cluster pools with server lists', () => {
    const c = parseEmqxConf(conf(
      'backend.redis.s.server = a:26379, b:26379,[::1]:26380',
      'backend.redis.s.sentinel = mymaster',
      'backend.redis.c.type = cluster',
      'backend.redis.c.server = n1:7000,n2:7001',
    ), F)
    expect(c.pools).toMatchObject([
      { name: 's', type: 'sentinel', sentinel: 'mymaster', servers: [{ host: 'a', port: 26379 }, { host: 'b', port: 26379 }, { host: '::1', port: 26380 }] },
      { name: 'c', type: 'cluster', servers: [{ host: 'n1', port: 7000 }, { host: 'n2', port: 7001 }] },
    ])
    expect(c.defaultPool).toBe('s') // no pool1: the first declared
  })

  it('reads TLS and credentials', () => {
    const c = parseEmqxConf(conf(
      SERVER, 'backend.redis.pool1.ssl = on', 'backend.redis.pool1.ssl.cacertfile = /etc/ca.pem',
      'backend.redis.pool1.ssl.certfile = c.pem', 'backend.redis.pool1.ssl.keyfile = k.pem', 'backend.redis.pool1.ssl.verify = verify_none',
      'backend.redis.pool1.username = app', 'backend.redis.pool1.password =',
    ), F)
    expect(c.pools[0]).toMatchObject({ tls: { ca: '/etc/ca.pem', cert: 'c.pem', key: 'k.pem', verify: false }, username: 'app', password: null })
    expect(parseEmqxConf(conf(SERVER, 'backend.redis.pool1.ssl = true'), F).pools[0]?.tls).toEqual({})
    expect(parseEmqxConf(conf(SERVER, 'backend.redis.pool1.ssl = off'), F).pools[0]?.tls).toBeNull()
    expect(parseEmqxConf(conf(SERVER, 'backend.redis.pool1.ssl.cacertfile = ca'), F).pools[0]?.tls).toEqual({ ca: 'ca' })
  })

  it('defaults a rule without pool to the default pool and sorts rules by hook then number', () => {
    const c = parseEmqxConf(conf(
      'backend.redis.hook.message.publish.2 = {"topic": "#", "action": {"function": "on_message_retain"}}',
      'backend.redis.hook.client.connected.1 = {"action": {"commands": ["SET a b"]}, "pool": "other"}',
      'backend.redis.hook.message.publish.1 = {"topic": "a/+", "action": {"function": "on_message_publish"}}',
      'backend.redis.other.server = h:2',
      'backend.redis.pool1.server = h:1',
    ), F)
    expect(c.defaultPool).toBe('pool1')
    expect(c.hooks.map((h) => [h.hook, h.order, h.pool, h.source.line])).toEqual([
      ['client.connected', 1, 'other', 2], ['message.publish', 1, 'pool1', 3], ['message.publish', 2, 'pool1', 1],
    ])
  })

  it('uses the fallback server as pool1 when no pool is declared', () => {
    const c = parseEmqxConf('backend.redis.hook.client.connected.1 = {"action": {"function": "on_client_connected"}}', F, {
      fallbackServer: { host: 'localhost', port: 6390 },
    })
    expect(c.pools).toMatchObject([{ name: 'pool1', type: 'single', servers: [{ host: 'localhost', port: 6390 }], source: { file: F, line: 0 } }])
    expect(c.hooks[0]?.pool).toBe('pool1')
  })

  it('ignores the fallback when the file declares a pool', () => {
    const c = parseEmqxConf('backend.redis.main.server = h:1', F, { fallbackServer: { host: 'localhost', port: 6390 } })
    expect(c.pools.map((p) => p.name)).toEqual(['main'])
  })
})
