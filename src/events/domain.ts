/**
 * Domain events: what the engine decided happened, in the past tense.
 * Every projection, and later the durable log, consumes exactly this union.
 *
 * The metadata sits beside the data: `meta.clientId` says whose session
 * decided it, `meta.seq` is that session's own counter (1, 2, 3, ... per
 * clientId and node), `meta.node` the engine node, `meta.at` the time in
 * milliseconds taken from the input event, never from a clock at projection
 * time, so a replay writes the same values.
 */
import type { OfflineMode } from '../offline/rules.js'
import type { QoS, SessionBox, SubscriptionOptions } from './input.js'

export interface EventMeta {
  readonly clientId: string
  readonly node: string
  readonly seq: number
  readonly at: number
}

interface Ev<T extends string, D> {
  readonly type: T
  readonly data: D
  readonly meta: EventMeta
}

export type ClientConnected = Ev<'ClientConnected', {
  readonly connectionId: string
  readonly username: string | null
  readonly cleanStart: boolean
  readonly protocolVersion: 3 | 4 | 5
}>

export type ClientDisconnected = Ev<'ClientDisconnected', {
  readonly connectionId: string
  readonly reason: string
  /** The connection fetched queue messages, so it may hold some that must go back to the backlog. */
  readonly heldQueue: boolean
}>

export type SubscriptionAdded = Ev<'SubscriptionAdded', {
  readonly filter: string
  readonly qos: QoS
  readonly options: SubscriptionOptions
  /**
   * Whether this subscription fetches stored messages: only a filter new to
   * the current connection, with QoS > 0, does (so a restored subscription
   * and the client's own re-subscribe do not fetch twice).
   */
  readonly fetch: boolean
  /** Where a first pubsub subscription starts, when the filter fetches pubsub messages; else null. */
  readonly pubsubStart: 'latest' | 'oldest' | null
}>

export type SubscriptionRemoved = Ev<'SubscriptionRemoved', {
  readonly filter: string
}>

export type RetainedMessageSet = Ev<'RetainedMessageSet', {
  readonly msgId: string
  readonly topic: string
  readonly qos: QoS
  readonly payload: Buffer
}>

export type RetainedMessageCleared = Ev<'RetainedMessageCleared', {
  readonly topic: string
}>

/** A QoS > 0 message kept in Redis for clients that are away. */
export type MessageStored = Ev<'MessageStored', {
  readonly msgId: string
  readonly topic: string
  readonly qos: 1 | 2
  readonly payload: Buffer
  readonly retain: boolean
  readonly mode: OfflineMode
  /** Milliseconds since the epoch. */
  readonly expiresAt: number
}>

/** A client acknowledged a stored message (PUBACK or PUBCOMP). */
export type MessageAcked = Ev<'MessageAcked', {
  readonly msgId: string
  readonly topic: string
  readonly mode: OfflineMode
}>

/** A persistent session's subscription as its broker stored it (beside SubscriptionAdded, which EMQX's layout keeps). */
export type SessionSubscriptionStored = Ev<'SessionSubscriptionStored', {
  readonly filter: string
  readonly qos: QoS
  /** The subscription as the broker handed it, JSON. */
  readonly stored: string
}>

/** The broker's own form of a retained message (beside RetainedMessageSet). */
export type RetainedPacketStored = Ev<'RetainedPacketStored', {
  readonly topic: string
  /** The packet without its payload, JSON. */
  readonly packet: string
}>

/** A packet a persistent session keeps: queued for delivery, received at QoS 2, or its will. */
export type SessionPacketStored = Ev<'SessionPacketStored', {
  readonly box: SessionBox
  readonly id: string
  readonly order: number
  readonly messageId: number | null
  readonly brokerId: string | null
  readonly packet: string
}>

export type SessionPacketDeleted = Ev<'SessionPacketDeleted', {
  readonly box: SessionBox
  readonly id: string
  readonly messageId: number | null
}>

/**
 * What the broker reported that changes no state the engine keeps, but that
 * hook rules may act on (EMQX's rule-engine events: statistics, audit). A
 * session records these only while a rule listens to their hook, so an
 * engine without such rules logs none of them. Each carries the fields its
 * hook's templates can name; a field the hook does not have is null.
 */
export interface ObservedData {
  readonly topic: string | null
  readonly qos: QoS | null
  readonly msgId: string | null
  /** Why: a disconnect-like reason, `no_subscribers`, `allow`/`deny`, a CONNACK reason... */
  readonly reason: string | null
  readonly payload: Buffer | null
  /** Further named fields of the hook (`authz_source`, `action`, `result`, `username`, `reason_code`...). */
  readonly extra: Readonly<Record<string, string>>
}

/** A PUBLISH the broker accepted (hook message.publish). */
export type MessagePublished = Ev<'MessagePublished', ObservedData>
/** A message the broker handed to a subscriber (hook message.delivered). */
export type MessageDelivered = Ev<'MessageDelivered', ObservedData>
/** A CONNACK the broker sent (hook client.connack); `reason` is its reason code, as text. */
export type ConnackSent = Ev<'ConnackSent', ObservedData>
/** A publish or subscribe was authorized or refused (hook client.check_authz_complete). */
export type AuthorizationChecked = Ev<'AuthorizationChecked', ObservedData>
/** A published message reached nobody (hook message.dropped, e.g. `no_subscribers`). */
export type MessageDropped = Ev<'MessageDropped', ObservedData>
/** A message was not delivered to one subscriber (hook delivery.dropped). */
export type DeliveryDropped = Ev<'DeliveryDropped', ObservedData>

export type ObservedEvent = MessagePublished | MessageDelivered | ConnackSent | AuthorizationChecked | MessageDropped | DeliveryDropped

/** The observed event types, in the order of their binary tags (13 onwards). */
export const OBSERVED_TYPES = ['MessagePublished', 'MessageDelivered', 'ConnackSent', 'AuthorizationChecked', 'MessageDropped', 'DeliveryDropped'] as const satisfies readonly ObservedEvent['type'][]

const OBSERVED: ReadonlySet<string> = new Set(OBSERVED_TYPES)

/**
 * @example
 * if (isObserved(e)) e.data.extra // narrowed to the observed events
 */
export function isObserved(e: DomainEvent): e is ObservedEvent {
  return OBSERVED.has(e.type)
}

export type DomainEvent =
  | ObservedEvent
  | SessionSubscriptionStored
  | RetainedPacketStored
  | SessionPacketStored
  | SessionPacketDeleted
  | ClientConnected
  | ClientDisconnected
  | SubscriptionAdded
  | SubscriptionRemoved
  | RetainedMessageSet
  | RetainedMessageCleared
  | MessageStored
  | MessageAcked

export type DomainEventType = DomainEvent['type']

/** A domain event before the engine stamps its metadata: what a machine emits. */
export type DomainEventDraft = DomainEvent extends infer E
  ? E extends Ev<infer T, infer D> ? { readonly type: T; readonly data: D } : never
  : never
