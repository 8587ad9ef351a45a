import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { noticeOf, parseControlMessage } from '../../../src/channel/control.js'
import type { DomainEvent } from '../../../src/events/domain.js'
import { topicFilterProblem } from '../../../src/topics/topic.js'

const meta = { clientId: 'c1', node: 'n1', seq: 1, at: 0 }

describe('mqtt_channel messages', () => {
  it('reads a business server\'s commands, qos as a number or a numeric string', () => {
    expect(parseControlMessage('{"type": "subscribe", "topic": "topic0", "clientid": "test", "qos": "0"}')).toEqual(E.right({ type: 'subscribe', clientId: 'test', filter: 'topic0', qos: 0 }))
    expect(parseControlMessage('{"type":"subscribe","topic":"a/+","clientid":"c","qos":2}')).toEqual(E.right({ type: 'subscribe', clientId: 'c', filter: 'a/+', qos: 2 }))
    expect(parseControlMessage('{"type": "unsubscribe", "topic": "test_topic0", "clientid": "test"}')).toEqual(E.right({ type: 'unsubscribe', clientId: 'test', filter: 'test_topic0' }))
  })

  it.each([
    ['not JSON', 'subscribe me'],
    ['an array', '[1]'],
    ['an unknown type', '{"type":"kick","topic":"t","clientid":"c"}'],
    ['no clientid', '{"type":"subscribe","topic":"t"}'],
    ['an empty clientid', '{"type":"subscribe","topic":"t","clientid":""}'],
    ['a bad filter', '{"type":"subscribe","topic":"a/#/b","clientid":"c"}'],
    ['qos 3', '{"type":"subscribe","topic":"t","clientid":"c","qos":3}'],
  ])('refuses %s as malformed', (_name, text) => {
    const r = parseControlMessage(text)
    expect(E.isLeft(r) && r.left.kind).toBe('malformed')
  })

  it('never acts on a notice, its own or another engine\'s', () => {
    const added: DomainEvent = { type: 'SubscriptionAdded', meta, data: { filter: 'a/#', qos: 1, options: { nl: false, rap: false, rh: 0 }, fetch: true, pubsubStart: null } }
    const removed: DomainEvent = { type: 'SubscriptionRemoved', meta, data: { filter: 'a/#' } }
    const a = noticeOf(added)
    const r = noticeOf(removed)
    expect(a && JSON.parse(a)).toEqual({ type: 'subscribe', topic: 'a/#', clientid: 'c1', qos: 1, node: 'n1' })
    expect(r && JSON.parse(r)).toEqual({ type: 'unsubscribe', topic: 'a/#', clientid: 'c1', node: 'n1' })
    for (const text of [a, r]) {
      const parsed = parseControlMessage(text ?? '')
      expect(E.isLeft(parsed) && parsed.left.kind).toBe('notice')
    }
  })

  it('whatever arrives on the channel, a command it accepts names a client and a valid filter, and nothing else is accepted', () => {
    const anyText = fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ type: 'subscribe', topic: v, clientid: v, qos: v })))
    fc.assert(fc.property(anyText, (text) => {
      const r = parseControlMessage(text)
      if (E.isRight(r)) {
        expect(r.right.clientId.length).toBeGreaterThan(0)
        expect(topicFilterProblem(r.right.filter)).toBeNull()
        expect(['subscribe', 'unsubscribe']).toContain(r.right.type)
      } else {
        expect(r.left.message.length).toBeGreaterThan(0)
      }
    }))
  })
})
