/**
 * createRedisStores: both stores of one MQTT.js client, on one Redis
 * connection, in the namespace of its (clientId, serverUri).
 */
import type { IClientOptions } from 'mqtt'
import { StoreConnection, type RedisStoreTarget } from './connection.js'
import type { GuardedClient } from './guard.js'
import { clientStoreKeys, type ClientStoreKeys } from './keys.js'
import { HeldIds, StoreMessageIdProvider } from './message-ids.js'
import { RedisPacketStore } from './packet-store.js'

export interface RedisStoresOptions {
  /**
   * A Redis URL, ioredis options, or an ioredis client. From a URL or options
   * the stores open their own connection with fail-fast settings
   * (FAIL_FAST_OPTIONS, which options given here override) and close it in
   * close(). A client passed in keeps its own settings and stays open.
   */
  readonly redis: RedisStoreTarget
  readonly clientId: string
  /** The broker URI the client connects to; a client talking to two brokers keeps two stores. */
  readonly serverUri: string
  /** Put after `mqttjs:` in every key, e.g. 'plant-3:'. No '{' or '}'. */
  readonly prefix?: string
}

/** The client options the stores fill in. */
export type RedisStoreClientOptions = Required<Pick<IClientOptions, 'incomingStore' | 'outgoingStore' | 'messageIdProvider'>>

export interface RedisStores {
  /** incomingStore: QoS 2 messages received, kept until PUBREL. */
  readonly incoming: RedisPacketStore
  /** outgoingStore: QoS 1/2 messages sent, kept until PUBACK / PUBCOMP. */
  readonly outgoing: RedisPacketStore
  /** Hands out no message id the outgoing store holds; pass it with the stores. */
  readonly messageIdProvider: StoreMessageIdProvider
  /** The three options above, to spread into mqtt.connect's options. */
  readonly clientOptions: RedisStoreClientOptions
  readonly keys: ClientStoreKeys
  /**
   * Connect to Redis and load the message ids the outgoing store holds.
   * Await it before the first publish or subscribe: until then the
   * message-id provider cannot tell a free id from a stored one and throws.
   * Rejects with a RedisStoreError when Redis cannot be reached; call it again to retry.
   */
  ready(): Promise<void>
  /**
   * Protect `client` from store failures MQTT.js would otherwise swallow or
   * acknowledge (see guard.ts): a put that fails while connected fails the
   * publish's callback; a failure of the incoming store drops the connection
   * instead of acknowledging. Returns a function that detaches.
   */
  attach(client: GuardedClient): () => void
  /** Close both stores (MQTT.js' end() does this too), and the connection if the stores opened it. */
  close(): Promise<void>
}

/**
 * @example
 * import mqtt from 'mqtt'
 * const stores = createRedisStores({ redis: 'redis://127.0.0.1:6379', clientId: 'sensor-7', serverUri: 'mqtt://broker:1883' })
 * await stores.ready()
 * const client = mqtt.connect('mqtt://broker:1883', { clientId: 'sensor-7', clean: false, ...stores.clientOptions })
 * stores.attach(client)
 * await client.publishAsync('sensors/7/temp', '21.5', { qos: 1 })
 */
export function createRedisStores(opts: RedisStoresOptions): RedisStores {
  const keys = clientStoreKeys({ clientId: opts.clientId, serverUri: opts.serverUri, ...(opts.prefix === undefined ? {} : { prefix: opts.prefix }) })
  const connection = new StoreConnection(opts.redis)
  const held = new HeldIds()
  const incoming = new RedisPacketStore({ connection, keys: keys.incoming, side: 'incoming' })
  const outgoing = new RedisPacketStore({ connection, keys: keys.outgoing, side: 'outgoing', held })
  const messageIdProvider = new StoreMessageIdProvider(held)
  const closeOne = (store: RedisPacketStore): Promise<void> => new Promise((resolve) => store.close(() => resolve()))
  return {
    incoming,
    outgoing,
    messageIdProvider,
    clientOptions: { incomingStore: incoming, outgoingStore: outgoing, messageIdProvider },
    keys,
    ready: () => outgoing.load(),
    attach(client) {
      incoming.guard(client)
      outgoing.guard(client)
      return () => {
        incoming.guard(undefined)
        outgoing.guard(undefined)
      }
    },
    async close() {
      await closeOne(incoming)
      await closeOne(outgoing)
    },
  }
}
