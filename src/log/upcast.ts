/**
 * Upcasters: pure functions that lift a stored record one schema version, so
 * events written by older code are read back in today's `DomainEvent` shape.
 * The log itself is never rewritten; old bytes stay as they were stored.
 *
 * To change an event's shape: bump `EVENT_SCHEMA_VERSION` in codec.ts, give
 * the new version its binary layout beside the old ones (every layout ever
 * written stays readable), and append one function here that fills in what
 * the old version lacked. A record of an older version, JSON or binary, is
 * decoded in its own version's shape and lifted from there.
 */
import { LogDecodeError } from './errors.js'
import { isJsonObject } from './shape.js'

/** A parsed record, before its shape is checked. */
export interface RawRecord {
  readonly v: number
  readonly type: unknown
  readonly data: unknown
  readonly meta: unknown
}

/** Lifts a record of version `v` to `v + 1`; it leaves `v` to `upcast`. */
export type Upcaster = (r: RawRecord) => RawRecord

/**
 * v1 -> v2: SubscriptionAdded gained `fetch` and `pubsubStart`. A v1 record
 * never fetched stored messages, so `fetch: false`, and with no fetch there is
 * no pubsub start. (MessageStored and MessageAcked are new in v2: no v1
 * record has them, so there is nothing to lift.)
 */
const subscriptionFetch: Upcaster = (r) =>
  r.type === 'SubscriptionAdded' && isJsonObject(r.data) ? { ...r, data: { ...r.data, fetch: false, pubsubStart: null } } : r

/**
 * v2 -> v3: ClientDisconnected gained `heldQueue` (did the connection fetch
 * queue messages it may still hold). A v2 record cannot say, so `true`: the
 * holds are released, which is what v2 always did.
 */
const disconnectHolds: Upcaster = (r) =>
  r.type === 'ClientDisconnected' && isJsonObject(r.data) ? { ...r, data: { ...r.data, heldQueue: true } } : r

/**
 * v3 -> v4: the same shapes. Version 4 changed only how an event is stored
 * (binary instead of JSON, see binary-codec.ts); v4 records are decoded
 * straight to the current shape and never pass through here.
 */
const binaryRecords: Upcaster = (r) => r

/** `UPCASTERS[i]` lifts version `i + 1` to `i + 2`. */
export const UPCASTERS: readonly Upcaster[] = [subscriptionFetch, disconnectHolds, binaryRecords]

/**
 * Lift a record from its own version to version `to`.
 *
 * @example
 * upcast({ v: 1, type: 'SubscriptionAdded', data: { filter: 'a', qos: 1, options }, meta }, 2).data
 * // { filter: 'a', qos: 1, options, fetch: false, pubsubStart: null }
 */
export function upcast(r: RawRecord, to: number): RawRecord {
  let cur = r
  while (cur.v < to) {
    const lift = UPCASTERS[cur.v - 1]
    if (!lift) throw new LogDecodeError(`no upcaster from schema version ${cur.v}`)
    cur = { ...lift(cur), v: cur.v + 1 }
  }
  return cur
}
