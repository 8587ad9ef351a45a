import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseEmqxConf } from '../../../src/config/emqx-conf.js'
import type { HookRule } from '../../../src/config/model.js'

// EMQX's Redis backend documentation, kept beside the repository.
const SEED = fileURLToPath(new URL('../../../../shared/seeds/000_854fa4ba0f76ed27.txt', import.meta.url))

/** The conf blocks of the document; other lines blanked so line numbers stay those of the document. */
function seedConf(): { text: string; lines: string[] } {
  const lines = readFileSync(SEED, 'utf8').split('\n')
  const keep = (l: string) => l.startsWith('backend.redis.') || l.startsWith('##')
  return { text: lines.map((l) => (keep(l) ? l : '')).join('\n'), lines }
}

const summary = (r: HookRule) => [r.hook, r.order, r.topic, r.action.kind === 'function' ? r.action.name : r.action.commands, r.pool]

describe('the EMQX documentation conf, unmodified', () => {
  it('the seed document is present', () => {
    expect(existsSync(SEED)).toBe(true)
  })

  it('parses into pool1, expiry and the 11 function rules plus the commands rule', () => {
    const { text, lines } = seedConf()
    const config = parseEmqxConf(text, 'seed.conf')
    expect(config.defaultPool).toBe('pool1')
    expect(config.expiredTimeSec).toBe(3600)
    expect(config.pools).toHaveLength(1)
    const pool = config.pools[0]!
    expect(pool).toMatchObject({
      name: 'pool1', type: 'single', servers: [{ host: '127.0.0.1', port: 6379 }], sentinel: null,
      poolSize: 8, database: 1, channel: 'mqtt_channel', username: null, password: null, tls: null,
    })
    expect(lines[pool.source.line - 1]).toBe('backend.redis.pool1.server = 127.0.0.1:6379')
    expect(config.hooks.map(summary)).toEqual([
      ['client.connected', 1, null, 'on_client_connected', 'pool1'],
      ['client.connected', 2, null, 'on_subscribe_lookup', 'pool1'],
      ['client.connected', 3, null, ['SET conn:${clientid} clientid'], 'pool1'],
      ['client.disconnected', 1, null, 'on_client_disconnected', 'pool1'],
      ['session.subscribed', 1, 'queue/#', 'on_message_fetch_for_queue', 'pool1'],
      ['session.subscribed', 2, 'pubsub/#', 'on_message_fetch_for_pubsub', 'pool1'],
      ['session.subscribed', 3, null, 'on_retain_lookup', 'pool1'],
      ['message.publish', 1, '#', 'on_message_publish', 'pool1'],
      ['message.publish', 2, '#', 'on_message_retain', 'pool1'],
      ['message.publish', 3, '#', 'on_retain_delete', 'pool1'],
      ['message.acked', 1, 'queue/#', 'on_message_acked_for_queue', 'pool1'],
      ['message.acked', 2, 'pubsub/#', 'on_message_acked_for_pubsub', 'pool1'],
    ])
    // Every rule remembers the document line it came from.
    for (const r of config.hooks) expect(lines[r.source.line - 1]).toMatch(new RegExp(`^backend\\.redis\\.hook\\.${r.hook.replace('.', '\\.')}\\.${r.order}\\s*=`))
  })

  it('the commented sentinel lines of the document work once uncommented', () => {
    const { text } = seedConf()
    const uncommented = text
      .replace('backend.redis.pool1.server = 127.0.0.1:6379', '')
      .replace('## backend.redis.server', 'backend.redis.server')
      .replace('## backend.redis.sentinel', 'backend.redis.sentinel')
    const pool = parseEmqxConf(uncommented, 'seed.conf').pools[0]!
    expect(pool).toMatchObject({ name: 'pool1', type: 'sentinel', sentinel: 'mymaster', servers: [{ host: '127.0.0.1', port: 26378 }], database: 1 })
  })
})
