/**
 * `mqtt-redis log` (printLog): JSON lines, filters, and --follow picking up
 * events appended while it runs.
 */
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { printLog } from '../../../src/cli/log-command.js'
import type { DomainEvent } from '../../../src/events/domain.js'
import { openEventLog } from '../../../src/log/event-log.js'
import { useTempDir } from '../log/support.js'

const dir = useTempDir()
const sub = (clientId: string, filter: string, at: number): DomainEvent => ({
  type: 'SubscriptionAdded',
  data: { filter, qos: 1, options: { nl: false, rap: false, rh: 0 }, fetch: true, pubsubStart: null },
  meta: { clientId, node: 'n1', seq: 1, at },
})
const retained = (clientId: string, payload: Buffer, at: number): DomainEvent => ({
  type: 'RetainedMessageSet',
  data: { msgId: 'id1', topic: 't', qos: 1, payload },
  meta: { clientId, node: 'n1', seq: 2, at },
})

function collect(): { out: PassThrough; lines: () => Array<Record<string, unknown>> } {
  const out = new PassThrough()
  let text = ''
  out.on('data', (b: Buffer) => void (text += b.toString()))
  return { out, lines: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) }
}

describe('mqtt-redis log', () => {
  it('prints events as JSON lines, text payloads as text and binary ones as base64, filtered by time', async () => {
    const log = await openEventLog({ dir: dir() })
    await log.append([sub('a', 'x/#', 1000), retained('a', Buffer.from('hello'), 2000), retained('b', Buffer.from([0xff, 0x00]), 3000)])
    await log.close()
    const { out, lines } = collect()
    await printLog(dir(), { since: 2000 }, { follow: false }, out)
    expect(lines().map((l) => [l['position'], l['type'], (l['data'] as { payload: unknown }).payload])).toEqual([
      [2, 'RetainedMessageSet', 'hello'],
      [3, 'RetainedMessageSet', { base64: '/wA=' }],
    ])
  })

  it('--follow prints events appended after it started, until stopped', async () => {
    const log = await openEventLog({ dir: dir() })
    await log.append([sub('a', 'first', 1000)])
    const { out, lines } = collect()
    const ac = new AbortController()
    const following = printLog(dir(), { clientId: 'b' }, { follow: true, signal: ac.signal }, out)
    await log.append([sub('a', 'ignored', 2000), sub('b', 'later', 3000)])
    for (let i = 0; i < 100 && lines().length === 0; i++) await new Promise((r) => setTimeout(r, 20))
    ac.abort()
    await following
    await log.close()
    expect(lines().map((l) => (l['data'] as { filter: string }).filter)).toEqual(['later'])
  })
})
