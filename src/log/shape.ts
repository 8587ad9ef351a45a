/**
 * Checks that a parsed JSON record, already upcast to the current schema, is
 * a `DomainEvent`, and builds it field by field (so nothing unknown rides
 * along, and no cast is needed). Anything else is a LogDecodeError naming the
 * field, e.g. `data.qos must be one of 0, 1, 2`.
 */
import type { DomainEvent, EventMeta } from '../events/domain.js'
import { LogDecodeError } from './errors.js'

export type Json = Readonly<Record<string, unknown>>

/**
 * A JSON object (not an array, not null).
 *
 * @example
 * isJsonObject({ a: 1 }) // true; isJsonObject([1]) and isJsonObject(null) are false
 */
export function isJsonObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

// Standard alphabet with padding, as Buffer#toString('base64') writes it; Buffer.from would
// silently skip anything else, which would hide damage.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** Typed getters over one JSON object; each throws a LogDecodeError naming the field. */
class Fields {
  constructor(private readonly o: Json, private readonly path: string) {}

  private fail(key: string, want: string): never {
    throw new LogDecodeError(`${this.path}.${key} must be ${want}`)
  }

  str(key: string): string {
    const v = this.o[key]
    return typeof v === 'string' ? v : this.fail(key, 'a string')
  }

  strOrNull(key: string): string | null {
    const v = this.o[key]
    return v === null || typeof v === 'string' ? v : this.fail(key, 'a string or null')
  }

  bool(key: string): boolean {
    const v = this.o[key]
    return typeof v === 'boolean' ? v : this.fail(key, 'a boolean')
  }

  num(key: string): number {
    const v = this.o[key]
    return typeof v === 'number' && Number.isFinite(v) ? v : this.fail(key, 'a finite number')
  }

  int(key: string): number {
    const v = this.o[key]
    return typeof v === 'number' && Number.isSafeInteger(v) ? v : this.fail(key, 'a safe integer')
  }

  oneOf<const T extends readonly (string | number | null)[]>(key: string, values: T): T[number] {
    const v = this.o[key]
    for (const x of values) if (x === v) return x
    return this.fail(key, `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`)
  }

  obj(key: string): Fields {
    const v = this.o[key]
    return isJsonObject(v) ? new Fields(v, `${this.path}.${key}`) : this.fail(key, 'an object')
  }

  /** Bytes stored as `{"$b64": "..."}`. */
  bytes(key: string): Buffer {
    const v = this.o[key]
    const b64 = isJsonObject(v) ? v['$b64'] : undefined
    if (typeof b64 !== 'string' || b64.length % 4 !== 0 || !BASE64.test(b64)) return this.fail(key, 'bytes as {"$b64": "<base64>"}')
    return Buffer.from(b64, 'base64')
  }
}

/**
 * The event a current-schema record describes.
 *
 * @example
 * toDomainEvent({ type: 'SubscriptionRemoved', data: { filter: 'a/#' }, meta: { clientId: 'c', node: 'n', seq: 1, at: 0 } })
 */
export function toDomainEvent(r: { readonly type: unknown; readonly data: unknown; readonly meta: unknown }): DomainEvent {
  if (!isJsonObject(r.meta)) throw new LogDecodeError('meta must be an object')
  if (!isJsonObject(r.data)) throw new LogDecodeError('data must be an object')
  const m = new Fields(r.meta, 'meta')
  const d = new Fields(r.data, 'data')
  const meta: EventMeta = { clientId: m.str('clientId'), node: m.str('node'), seq: m.int('seq'), at: m.num('at') }
  const qos = [0, 1, 2] as const
  const modes = ['queue', 'pubsub', 'latest'] as const
  switch (r.type) {
    case 'ClientConnected':
      return {
        type: 'ClientConnected', meta,
        data: { connectionId: d.str('connectionId'), username: d.strOrNull('username'), cleanStart: d.bool('cleanStart'), protocolVersion: d.oneOf('protocolVersion', [3, 4, 5]) },
      }
    case 'ClientDisconnected':
      return { type: 'ClientDisconnected', meta, data: { connectionId: d.str('connectionId'), reason: d.str('reason'), heldQueue: d.bool('heldQueue') } }
    case 'SubscriptionAdded': {
      const o = d.obj('options')
      return {
        type: 'SubscriptionAdded', meta,
        data: {
          filter: d.str('filter'), qos: d.oneOf('qos', qos),
          options: { nl: o.bool('nl'), rap: o.bool('rap'), rh: o.oneOf('rh', [0, 1, 2]) },
          fetch: d.bool('fetch'), pubsubStart: d.oneOf('pubsubStart', ['latest', 'oldest', null]),
        },
      }
    }
    case 'SubscriptionRemoved':
      return { type: 'SubscriptionRemoved', meta, data: { filter: d.str('filter') } }
    case 'RetainedMessageSet':
      return { type: 'RetainedMessageSet', meta, data: { msgId: d.str('msgId'), topic: d.str('topic'), qos: d.oneOf('qos', qos), payload: d.bytes('payload') } }
    case 'RetainedMessageCleared':
      return { type: 'RetainedMessageCleared', meta, data: { topic: d.str('topic') } }
    case 'MessageStored':
      return {
        type: 'MessageStored', meta,
        data: {
          msgId: d.str('msgId'), topic: d.str('topic'), qos: d.oneOf('qos', [1, 2]), payload: d.bytes('payload'),
          retain: d.bool('retain'), mode: d.oneOf('mode', modes), expiresAt: d.num('expiresAt'),
        },
      }
    case 'MessageAcked':
      return { type: 'MessageAcked', meta, data: { msgId: d.str('msgId'), topic: d.str('topic'), mode: d.oneOf('mode', modes) } }
    default:
      throw new LogDecodeError(`unknown event type ${JSON.stringify(r.type) ?? typeof r.type}`)
  }
}
