/**
 * Which published messages are stored for clients that are away, and how.
 *
 * - queue (one-to-one, EMQX `queue/#`): a stored message goes to exactly one
 *   consumer; its ack deletes it.
 * - pubsub (one-to-many, EMQX `pubsub/#`): every subscriber reads the stored
 *   messages after its own cursor; an ack moves the cursor forward.
 * - latest (EMQX keep-latest): only the newest message of a topic is kept.
 *
 * Only QoS 1 and 2 messages are stored. A topic that matches none of the
 * filters is not stored at all (EMQX's default `message.publish` rule stores
 * `#`, but only `queue/#` and `pubsub/#` are ever fetched, so storing the
 * rest only fills Redis).
 */
import { matches } from '../topics/topic.js'

export type OfflineMode = 'queue' | 'pubsub' | 'latest'

export interface OfflineRules {
  readonly queue: readonly string[]
  readonly pubsub: readonly string[]
  readonly latest: readonly string[]
  /** EMQX `expired_time`: seconds a stored message lives, unless its own MQTT 5 expiry is shorter. */
  readonly expiredTimeSec: number
  /**
   * Where a client's first ever pubsub subscription starts: `latest` (EMQX's
   * documented behaviour: only messages published after it) or `oldest`
   * (every stored message).
   */
  readonly pubsubStart: 'latest' | 'oldest'
}

export const DEFAULT_OFFLINE_RULES: OfflineRules = {
  queue: ['queue/#'],
  pubsub: ['pubsub/#'],
  latest: [],
  expiredTimeSec: 7200,
  pubsubStart: 'latest',
}

/** The mode a topic's messages are stored under, or null when they are not stored. */
export function modeOf(rules: OfflineRules, topic: string): OfflineMode | null {
  if (rules.queue.some((f) => matches(f, topic))) return 'queue'
  if (rules.pubsub.some((f) => matches(f, topic))) return 'pubsub'
  if (rules.latest.some((f) => matches(f, topic))) return 'latest'
  return null
}

/**
 * Does a subscription to `filter` fetch stored messages of `mode`? As in
 * EMQX's `session.subscribed` rules: when every topic the filter can match is
 * covered by one of the mode's filters (`queue/+/x` is covered by `queue/#`;
 * `#` is not, so a catch-all debug subscriber does not drain the queues).
 */
export function filterFetches(rules: OfflineRules, mode: OfflineMode, filter: string): boolean {
  const modeFilters = mode === 'queue' ? rules.queue : mode === 'pubsub' ? rules.pubsub : rules.latest
  return modeFilters.some((m) => filterCovers(m, filter))
}

/** Is every topic matched by `inner` also matched by `outer`? */
export function filterCovers(outer: string, inner: string): boolean {
  // [MQTT-4.7.2-1] a filter starting with a wildcard matches no `$` topic.
  const o0 = outer.charCodeAt(0)
  if ((o0 === 43 || o0 === 35) && inner.charCodeAt(0) === 36) return false
  const o = outer.split('/')
  const n = inner.split('/')
  for (let i = 0; ; i++) {
    const p = o[i]
    const q = n[i]
    if (p === '#') return true
    if (p === undefined || q === undefined) return p === q
    if (q === '#') return false
    if (p === '+') continue
    if (p !== q) return false
  }
}

/** When a message stored at `atMs` expires: the smaller of the rule's and the message's own. */
export function expiresAt(rules: OfflineRules, atMs: number, messageExpirySec: number | null): number {
  const sec = messageExpirySec !== null && messageExpirySec > 0 ? Math.min(messageExpirySec, rules.expiredTimeSec) : rules.expiredTimeSec
  return atMs + sec * 1000
}
