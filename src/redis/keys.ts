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
  /** Hash {id, from, qos, topic, retain, payload, ts, expire_at} of one stored message. */
  msg(msgId: string): string
  /** Sorted set of the stored message ids of one topic, scored by publish sequence. */
  msgTopic(topic: string): string
  /** String: the id of the last message of `topic` the client acknowledged. */
  acked(clientId: string, topic: string): string
  /** String: the id of the newest message of a keep-latest topic. */
  latestMsg(topic: string): string
  /** String: the publish sequence, one counter for the whole keyspace, so order holds across nodes. */
  seq(): string
  /** Sorted set (scores 0) of every topic with stored messages, for wildcard fetches. */
  msgTopics(): string
  /** Sorted set of `${topic}\0${msgId}` scored by expiry time (ms), for the sweeper. */
  expiry(): string
  /** Hash msgId -> clientId: which consumer holds a fetched queue message. */
  claims(topic: string): string
  /** Set of `${topic}\0${msgId}` a consumer holds, released when it disconnects. */
  holding(clientId: string): string
  /** Hash topic -> sequence of the client's last acknowledged pubsub message. */
  cursor(clientId: string): string
  /** Hash filter -> sequence where the client's pubsub subscription started. */
  since(clientId: string): string
  /** Hash node -> position of the last event of that node's log applied to Redis. */
  checkpoint(): string
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
    msg: (msgId) => `${prefix}msg:${msgId}`,
    msgTopic: (topic) => `${prefix}msg:${topic}`,
    acked: (clientId, topic) => `${prefix}acked:${clientId}:${topic}`,
    latestMsg: (topic) => `${prefix}latest_msg:${topic}`,
    seq: () => `${prefix}idx:seq`,
    msgTopics: () => `${prefix}idx:msg_topics`,
    expiry: () => `${prefix}idx:expiry`,
    claims: (topic) => `${prefix}idx:claims:${topic}`,
    holding: (clientId) => `${prefix}idx:holding:${clientId}`,
    cursor: (clientId) => `${prefix}idx:cursor:${clientId}`,
    since: (clientId) => `${prefix}idx:since:${clientId}`,
    checkpoint: () => `${prefix}idx:checkpoint`,
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
    { pattern: k.msg('${msgid}'), type: 'hash', holds: 'id, from, qos, topic, retain, payload, ts, expire_at (ms) of a stored QoS 1/2 message; expires with it' },
    { pattern: k.msgTopic('${topic}'), type: 'zset', holds: 'ids of the stored messages of a topic, scored by publish sequence (never by id bytes)' },
    { pattern: k.acked('${clientid}', '${topic}'), type: 'string', holds: 'id of the last message of the topic the client acknowledged (pubsub, keep-latest)' },
    { pattern: k.latestMsg('${topic}'), type: 'string', holds: 'id of the newest message of a keep-latest topic' },
    { pattern: k.seq(), type: 'string', holds: 'publish sequence counter (INCR), shared by all nodes' },
    { pattern: k.msgTopics(), type: 'zset', holds: 'every topic with stored messages (score 0), for wildcard fetches' },
    { pattern: k.expiry(), type: 'zset', holds: '`topic\\0msgid` scored by expiry time, swept so expired index entries go away' },
    { pattern: k.claims('${topic}'), type: 'hash', holds: 'msgid -> clientid holding a fetched, unacknowledged queue message' },
    { pattern: k.holding('${clientid}'), type: 'set', holds: '`topic\\0msgid` a queue consumer holds; released on disconnect' },
    { pattern: k.cursor('${clientid}'), type: 'hash', holds: 'topic -> sequence of the last acknowledged pubsub message' },
    { pattern: k.since('${clientid}'), type: 'hash', holds: 'pubsub filter -> sequence its subscription started at' },
    { pattern: k.checkpoint(), type: 'hash', holds: 'node -> position of the last event of its log applied, written in the same MULTI/EXEC as the writes' },
  ]
}
