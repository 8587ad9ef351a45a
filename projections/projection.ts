/**
 * A projection is a pure fold from domain events to Redis writes, with a name
 * and a version so a rebuilt projection can be told apart from an old one.
 */
import type { DomainEvent } from '../src/events/domain.js'
import type { Keys } from '../src/redis/keys.js'
import type { RedisWrite } from './writes.js'

export interface Projection {
  readonly name: string
  readonly version: number
  canHandle(event: DomainEvent): boolean
  project(event: DomainEvent, keys: Keys): RedisWrite[]
}
