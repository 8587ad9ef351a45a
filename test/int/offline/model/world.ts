/**
 * The fixed world of the offline property test: the offline rules, the clients,
 * topics and filters it draws from, and the handle on the real engine.
 */
import type { Engine } from '../../../../src/engine/engine.js'
import type { RecordingHost } from '../../../support/recording-host.js'

export const RULES = { latest: ['latest/#'], pubsubStart: 'oldest', expiredTimeSec: 100 } as const
export const EXPIRED_TIME_SEC = RULES.expiredTimeSec

export type Mode = 'queue' | 'pubsub' | 'latest'
export type QoS = 0 | 1 | 2

export const CLIENTS = ['c1', 'c2', 'c3'] as const
export type Client = (typeof CLIENTS)[number]

export const TOPICS = ['queue/a', 'queue/b', 'pubsub/a', 'pubsub/b', 'latest/a'] as const
export type Topic = (typeof TOPICS)[number]

/** The mode each topic is stored under (queue/# and pubsub/# by default, latest/# by RULES). */
export const MODE_OF: Record<Topic, Mode> = {
  'queue/a': 'queue',
  'queue/b': 'queue',
  'pubsub/a': 'pubsub',
  'pubsub/b': 'pubsub',
  'latest/a': 'latest',
}

/**
 * Written out by hand (not computed with the code under test): which mode a
 * subscription to each filter fetches, and which stored topics it matches.
 * '#' and '+/a' match stored topics but are covered by no mode's filter, so they fetch nothing.
 */
export const FILTERS: Record<string, { readonly mode: Mode | null; readonly topics: readonly Topic[] }> = {
  'queue/a': { mode: 'queue', topics: ['queue/a'] },
  'queue/+': { mode: 'queue', topics: ['queue/a', 'queue/b'] },
  'pubsub/a': { mode: 'pubsub', topics: ['pubsub/a'] },
  'pubsub/#': { mode: 'pubsub', topics: ['pubsub/a', 'pubsub/b'] },
  'latest/a': { mode: 'latest', topics: ['latest/a'] },
  'latest/+': { mode: 'latest', topics: ['latest/a'] },
  '#': { mode: null, topics: [] },
  '+/a': { mode: null, topics: [] },
}
export const FILTER_NAMES = Object.keys(FILTERS)

/** The system under test, as the commands drive it. */
export interface Real {
  readonly engine: Engine
  readonly host: RecordingHost
  readonly prefix: string
  readonly clock: { now: number }
}
