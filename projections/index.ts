/**
 * All projections, and `project`, the fold step the engine applies to every
 * committed domain event.
 */
import type { DomainEvent } from '../src/events/domain.js'
import type { Keys } from '../src/redis/keys.js'
import { clientStateProjection } from './client-state.projection.js'
import { offlineProjection } from './offline.projection.js'
import type { Projection } from './projection.js'
import { retainedProjection } from './retained.projection.js'
import { sessionStoreProjection } from './session-store.projection.js'
import { subscriptionsProjection } from './subscriptions.projection.js'
import type { RedisWrite } from './writes.js'

export const projections: readonly Projection[] = [clientStateProjection, subscriptionsProjection, retainedProjection, offlineProjection, sessionStoreProjection]

/**
 * The Redis writes one domain event causes, across every projection, in order.
 *
 * @example
 * project(event, createKeys('mqtt:'))
 * // [{ op: 'hset', key: 'mqtt:sub:c1', fields: [['a/#', '1']] }]
 */
export function project(event: DomainEvent, keys: Keys): RedisWrite[] {
  const out: RedisWrite[] = []
  for (const p of projections) {
    if (p.canHandle(event)) out.push(...p.project(event, keys))
  }
  return out
}

export type { Projection } from './projection.js'
export type { RedisWrite, Value } from './writes.js'
