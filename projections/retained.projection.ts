/**
 * `mqtt:retain:${topic}` {id, from, qos, topic, retain, payload, ts} plus the
 * retained-topic index that wildcard lookups range-scan (never KEYS or SCAN).
 *
 * `retain` is written "true", as in the EMQX doc's example; `payload` is the
 * raw bytes of the message, so binary payloads come back byte-exact.
 */
import type { DomainEvent } from '../src/events/domain.js'
import type { Projection } from './projection.js'
import { unixSeconds, type RedisWrite } from './writes.js'

export const retainedProjection: Projection = {
  name: 'retained',
  version: 1,
  canHandle: (e) => e.type === 'RetainedMessageSet' || e.type === 'RetainedMessageCleared',
  project(e: DomainEvent, keys): RedisWrite[] {
    switch (e.type) {
      case 'RetainedMessageSet': {
        const { msgId, topic, qos, payload } = e.data
        return [
          {
            op: 'hset',
            key: keys.retain(topic),
            fields: [
              ['id', msgId],
              ['from', e.meta.clientId],
              ['qos', String(qos)],
              ['topic', topic],
              ['retain', 'true'],
              ['payload', payload],
              ['ts', unixSeconds(e.meta.at)],
            ],
          },
          // The broker's own form of the previous message, if one was kept (session-store projection), is stale now.
          { op: 'hdel', key: keys.retain(topic), field: 'packet' },
          { op: 'zadd', key: keys.retainIndex(), score: 0, member: topic },
        ]
      }
      case 'RetainedMessageCleared':
        return [
          { op: 'del', key: keys.retain(e.data.topic) },
          { op: 'zrem', key: keys.retainIndex(), member: e.data.topic },
        ]
      default:
        return []
    }
  },
}
