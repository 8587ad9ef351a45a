/**
 * Every Redis key the engine reads or writes is spelled here and nowhere else.
 *
 * The layout is the one of EMQX's Redis backend (`mqtt:client:${clientid}`,
 * `mqtt:node:${node}`, `mqtt:sub:${clientid}`, `mqtt:retain:${topic}`), with
 * the prefix configurable (default `mqtt:`). Keys the EMQX layout has no place
 * for live under `${prefix}idx:` so they can never collide with a key derived
 * from a client id or a topic.
 *
 * On Redis Cluster the prefix carries a hash tag (`{mqtt}:`, see
 * `clusterPrefix`), so every key lands in one slot; the names after the
 * prefix do not change.
 *
 * @example
 * const keys = createKeys('mqtt:')
 * keys.client('dev-1') // 'mqtt:client:dev-1'
 * createKeys(clusterPrefix('mqtt:')).client('dev-1') // '{mqtt}:client:dev-1'
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
  sessionSubs(clientId: string): string
  sessionSubsByFilter(filter: string): string
  sessionWildFilters(): string
  sessionPersistentSubs(): string
  sessionClients(): string
  outgoing(clientId: string): string
  outgoingPackets(clientId: string): string
  outgoingIds(clientId: string): string
  incoming(clientId: string): string
  will(clientId: string): string
  wills(): string
}

/** One row of the key table in the README; a test checks the two agree. */
export interface KeyDoc {
  readonly pattern: string
  readonly type: 'hash' | 'zset' | 'string' | 'set'
  readonly holds: string
}

export const DEFAULT_PREFIX = 'mqtt:'

/**
 * The prefix for a Redis Cluster: one that carries a hash tag, so every key
 * the engine builds from it hashes to one slot. Its scripts and its MULTI/EXEC
 * checkpoint touch global keys (the publish sequence, the expiry and topic
 * indexes, the checkpoint) together with per-topic and per-client keys, which
 * a cluster allows only within one slot.
 *
 * A prefix that already holds a hash tag is kept as it is; any other is
 * wrapped, its trailing `:` left outside the braces so the key names after
 * the prefix stay EMQX's. A prefix with a brace that is not a usable tag
 * (`{` without `}`, an empty `{}`) is refused: wrapping it would hash on
 * something nobody meant.
 *
 * @example
 * clusterPrefix('mqtt:')       // '{mqtt}:'
 * clusterPrefix('site-a:mqtt:') // '{site-a:mqtt}:'
 * clusterPrefix('{mqtt}:')     // '{mqtt}:' (already tagged)
 */
export function clusterPrefix(prefix: string): string {
  const open = prefix.indexOf('{')
  const close = open < 0 ? -1 : prefix.indexOf('}', open + 1)
  if (open >= 0 && close > open + 1) return prefix
  if (open >= 0 || prefix.includes('}')) {
    throw new TypeError(`key prefix ${JSON.stringify(prefix)} has a brace but no usable hash tag; on Redis Cluster give one like "{mqtt}:" or a prefix without braces`)
  }
  const body = prefix.endsWith(':') ? prefix.slice(0, -1) : prefix
  if (body === '') throw new TypeError('an empty key prefix has nothing to put in a hash tag; on Redis Cluster give one like "{mqtt}:"')
  return `{${body}}${prefix.slice(body.length)}`
}

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
    sessionSubs: (clientId) => `${prefix}session:sub:${clientId}`,
    sessionSubsByFilter: (filter) => `${prefix}idx:session_sub:${filter}`,
    sessionWildFilters: () => `${prefix}idx:session_wild`,
    sessionPersistentSubs: () => `${prefix}idx:session_subs`,
    sessionClients: () => `${prefix}idx:session_clients`,
    outgoing: (clientId) => `${prefix}session:out:${clientId}`,
    outgoingPackets: (clientId) => `${prefix}session:out_packet:${clientId}`,
    outgoingIds: (clientId) => `${prefix}session:out_msgid:${clientId}`,
    incoming: (clientId) => `${prefix}session:in:${clientId}`,
    will: (clientId) => `${prefix}session:will:${clientId}`,
    wills: () => `${prefix}idx:wills`,
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
    { pattern: k.sessionSubs('${clientid}'), type: 'hash', holds: 'topic filter -> the subscription as the broker stored it (JSON), for persistent sessions' },
    { pattern: k.sessionSubsByFilter('${filter}'), type: 'hash', holds: 'clientid -> the subscription (JSON) of each persistent session subscribed to the filter with QoS 1 or 2' },
    { pattern: k.sessionWildFilters(), type: 'zset', holds: 'filters with + or # that persistent sessions subscribe to with QoS 1 or 2 (score 0)' },
    { pattern: k.sessionPersistentSubs(), type: 'zset', holds: '`clientid\\0filter` of every QoS 1/2 persistent-session subscription (score 0), counted by countOffline' },
    { pattern: k.sessionClients(), type: 'set', holds: 'clientids of persistent sessions with at least one subscription' },
    { pattern: k.outgoing('${clientid}'), type: 'zset', holds: 'ids (brokerId:brokerCounter) of the packets queued for a persistent session, in queue order' },
    { pattern: k.outgoingPackets('${clientid}'), type: 'hash', holds: 'id -> queued packet (JSON)' },
    { pattern: k.outgoingIds('${clientid}'), type: 'hash', holds: 'packet identifier -> id of the queued packet sent with it' },
    { pattern: k.incoming('${clientid}'), type: 'hash', holds: 'packet identifier -> QoS 2 packet received and not yet released (JSON)' },
    { pattern: k.will('${clientid}'), type: 'string', holds: 'the will packet of a connected client (JSON)' },
    { pattern: k.wills(), type: 'hash', holds: 'clientid -> id of the broker holding its will, so a broker can take over the wills of one that died' },
  ]
}
