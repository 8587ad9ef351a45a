/**
 * Every Redis key the engine reads or writes is spelled here and nowhere else.
 *
 * The layout is the one of EMQX's Redis backend (`mqtt:client:${clientid}`,
 * `mqtt:node:${node}`, `mqtt:sub:${clientid}`, `mqtt:retain:${topic}`), with
 * the prefix configurable (default `mqtt:`). Keys the EMQX layout has no place
 * for live under `${prefix}idx:` so they can never collide with a key derived
 * from a client id or a topic.
 *
 * @example
 * const keys = createKeys('mqtt:')
 * keys.client('dev-1') // 'mqtt:client:dev-1'
 */
export interface Keys {
  readonly prefix: string
  /** Hash {state, online_at, offline_at} of one client. */
  client(clientId: string): string
  /** Hash clientid -> connect time (Unix seconds) of the clients online on one node. */
  node(node: string): string
  /** Hash topic filter -> QoS of one client's subscriptions. */
  sub(clientId: string): string
  /** Hash {id, from, qos, topic, retain, payload, ts} of the retained message of one topic. */
  retain(topic: string): string
  /** Sorted set (all scores 0, ordered by bytes) of every topic holding a retained message. */
  retainIndex(): string
}

/** One row of the key table in the README; a test checks the two agree. */
export interface KeyDoc {
  readonly pattern: string
  readonly type: 'hash' | 'zset' | 'string' | 'set'
  readonly holds: string
}

export const DEFAULT_PREFIX = 'mqtt:'

export function createKeys(prefix: string = DEFAULT_PREFIX): Keys {
  return {
    prefix,
    client: (clientId) => `${prefix}client:${clientId}`,
    node: (node) => `${prefix}node:${node}`,
    sub: (clientId) => `${prefix}sub:${clientId}`,
    retain: (topic) => `${prefix}retain:${topic}`,
    retainIndex: () => `${prefix}idx:retain`,
  }
}

/** The documented key table, with the default prefix. */
export function keyTable(): readonly KeyDoc[] {
  const k = createKeys()
  return [
    { pattern: k.client('${clientid}'), type: 'hash', holds: 'state (1 online, 0 offline), online_at, offline_at (Unix seconds; "undefined" until the first disconnect)' },
    { pattern: k.node('${node}'), type: 'hash', holds: 'clientid -> connect time (Unix seconds) of each client online on that node' },
    { pattern: k.sub('${clientid}'), type: 'hash', holds: 'topic filter -> QoS of each stored subscription' },
    { pattern: k.retain('${topic}'), type: 'hash', holds: 'id, from, qos, topic, retain, payload (raw bytes), ts of the retained message' },
    { pattern: k.retainIndex(), type: 'zset', holds: 'every topic with a retained message (score 0), for wildcard retained lookup without KEYS/SCAN' },
  ]
}
