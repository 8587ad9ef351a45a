/**
 * What a simulated device does on each tick: always its telemetry, and now
 * and then one extra action, chosen from a seeded random source.
 */
import type { Random } from './random.js'

export type ExtraAction =
  /** QoS 0 to `message-drop-test/<id>`, a topic nobody subscribes to: counted as dropped (no_subscribers). */
  | 'drop'
  /** QoS 1 to `pubsub/sim/<id>`: stored for the pubsub subscribers, delivered to those online. */
  | 'pubsub'
  /** QoS 1 to `queue/sim/<id>`: stored as a queue message. */
  | 'queue'
  /** QoS 1 retained status to `pubsub/sim/<id>/status`, with a message expiry (sent on MQTT 5 only). */
  | 'retained'
  /** A publish to `$SYS/sim/<id>`: refused by the broker, which closes the connection. */
  | 'forbidden'
  /** A publish to the wildcard topic `sim/<id>/+`: a protocol error, the broker closes the connection. */
  | 'wildcard'
  /** A PUBLISH packet with both QoS bits set (QoS 3), written raw: malformed, the broker closes the connection. */
  | 'malformed'

export interface Tick {
  readonly extra: ExtraAction | null
}

/** Chance of each extra action on one tick (the rest of the time: telemetry only). */
export const ACTION_WEIGHTS: Readonly<Record<ExtraAction, number>> = {
  pubsub: 0.2,
  queue: 0.1,
  drop: 0.1,
  retained: 0.05,
  forbidden: 0.03,
  wildcard: 0.02,
  malformed: 0.02,
}

/** The actions that end the device's connection. */
export const BAD_ACTIONS: ReadonlySet<ExtraAction> = new Set<ExtraAction>(['forbidden', 'wildcard', 'malformed'])

const ORDER = Object.keys(ACTION_WEIGHTS) as ExtraAction[]

/**
 * One tick's plan. Draws exactly one number, whatever the outcome, so the
 * plan of tick n depends only on the seed and n.
 *
 * @example
 * const r = createRandom(1); nextTick(r) // { extra: null } or { extra: 'pubsub' } ...
 */
export function nextTick(random: Random, weights: Readonly<Record<ExtraAction, number>> = ACTION_WEIGHTS): Tick {
  let x = random.next()
  for (const a of ORDER) {
    const w = weights[a]
    if (x < w) return { extra: a }
    x -= w
  }
  return { extra: null }
}
