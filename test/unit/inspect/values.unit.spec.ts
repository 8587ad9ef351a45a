import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { DomainEvent } from '../../../src/events/domain.js'
import { recentEvents } from '../../../src/inspect/events.js'
import { globLiteral, isoFromMillis, isoFromSeconds, showPayload } from '../../../src/inspect/values.js'
import { openEventLog } from '../../../src/log/event-log.js'
import { formatClient, formatTopic, type ClientOutput } from '../../../src/cli/inspect.js'

describe('values shown by inspect', () => {
  it('turns Unix seconds and milliseconds into ISO times, and "undefined" into nothing', () => {
    expect(isoFromSeconds('1795314865')).toBe('2026-11-22T02:34:25.000Z')
    expect(isoFromSeconds('undefined')).toBeNull()
    expect(isoFromSeconds(undefined)).toBeNull()
    expect(isoFromMillis('1795314865123')).toBe('2026-11-22T02:34:25.123Z')
    expect(isoFromMillis(null)).toBeNull()
  })

  it('shows UTF-8 payloads as text and others as base64', () => {
    expect(showPayload(Buffer.from('21.5'))).toBe('21.5')
    expect(showPayload(Buffer.from([0xff, 0x00]))).toEqual({ base64: '/wA=' })
  })

  it('escapes glob characters for SCAN MATCH', () => {
    expect(globLiteral('a*b?[c]\\')).toBe('a\\*b\\?\\[c\\]\\\\')
    expect(globLiteral('mqtt:')).toBe('mqtt:')
  })
})

describe('recent events of a client', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inspect-events-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const ev = (clientId: string, seq: number): DomainEvent => ({ type: 'SubscriptionRemoved', data: { filter: `f/${seq}` }, meta: { clientId, node: 'n1', seq, at: 1_800_000_000_000 + seq } })

  it('are the last ones of that client, oldest first, however far back they are', async () => {
    const log = await openEventLog({ dir })
    // c1 has 3 events early on, then 200 events of others.
    await log.append([ev('c1', 1), ev('c2', 1), ev('c1', 2), ev('c1', 3)])
    await log.append(Array.from({ length: 200 }, (_, i) => ev('c2', i + 2)))
    await log.close()
    const few = await recentEvents(dir, 'c1', 20, 8)
    expect(few.map((r) => r.event.meta.seq)).toEqual([1, 2, 3])
    const last = await recentEvents(dir, 'c2', 5, 8)
    expect(last.map((r) => r.event.meta.seq)).toEqual([197, 198, 199, 200, 201])
    expect(await recentEvents(dir, 'nobody', 20, 8)).toEqual([])
  })
})

describe('the text output', () => {
  it('says what a client has, and that there is no log', () => {
    const r: ClientOutput = {
      clientId: 'dev-1', known: true, state: 'online', onlineAt: '2026-11-22T10:00:00.000Z', offlineAt: null,
      node: { name: 'n1', connectedAt: '2026-11-22T10:00:00.000Z' },
      subscriptions: [{ filter: 'pubsub/#', qos: 1, pubsub: { since: 3, backlog: 2, topics: [{ topic: 'pubsub/a', cursor: 5, ackedMsgId: 'm5', backlog: 2 }] } }],
      queueHeld: [{ topic: 'queue/a', msgId: 'm9' }], session: { subscriptions: [], queuedPackets: 0 }, log: null, events: null,
    }
    const text = formatClient(r)
    expect(text).toContain('online since 2026-11-22T10:00:00.000Z')
    expect(text).toContain('n1')
    expect(text).toContain('pubsub/a  cursor 5 (m5)  backlog 2')
    expect(text).toContain('queue/a  m9')
    expect(text).toContain('no event log')
  })

  it('says what a topic has', () => {
    const text = formatTopic({
      topic: 't', retained: null,
      stored: { count: 0, live: 0, oldest: null, newest: null, held: {}, latest: null },
      cursors: [{ clientId: 'c', filter: 't', since: 0, cursor: null, behind: 0 }],
      subscriptions: [{ clientId: 'c', filter: '#', qos: 0, persistent: false }],
    })
    expect(text).toContain('retained       -')
    expect(text).toContain('stored         0 (0 not expired)')
    expect(text).toContain('c  t  start 0  cursor -  behind 0')
    expect(text).toContain('c  #  qos 0')
  })
})
