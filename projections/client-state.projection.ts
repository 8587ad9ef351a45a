/**
 * `mqtt:client:${clientid}` {state, online_at, offline_at} and
 * `mqtt:node:${node}` {clientid: connect time}, as EMQX's on_client_connected
 * and on_client_disconnected write them:
 *
 *   online:  state "1", online_at <secs>, offline_at "undefined" (until a first disconnect)
 *   offline: state "0", online_at <secs>, offline_at <secs>
 */
import type { DomainEvent } from '../src/events/domain.js'
import type { Projection } from './projection.js'
import { unixSeconds, type RedisWrite } from './writes.js'

export const clientStateProjection: Projection = {
  name: 'client-state',
  version: 1,
  canHandle: (e) => e.type === 'ClientConnected' || e.type === 'ClientDisconnected',
  project(e: DomainEvent, keys): RedisWrite[] {
    const secs = unixSeconds(e.meta.at)
    const clientKey = keys.client(e.meta.clientId)
    const nodeKey = keys.node(e.meta.node)
    switch (e.type) {
      case 'ClientConnected':
        return [
          { op: 'hset', key: clientKey, fields: [['state', '1'], ['online_at', secs]] },
          { op: 'hsetnx', key: clientKey, field: 'offline_at', value: 'undefined' },
          { op: 'hset', key: nodeKey, fields: [[e.meta.clientId, secs]] },
        ]
      case 'ClientDisconnected':
        return [
          { op: 'hset', key: clientKey, fields: [['state', '0'], ['offline_at', secs]] },
          { op: 'hdel', key: nodeKey, field: e.meta.clientId },
        ]
      default:
        return []
    }
  },
}
