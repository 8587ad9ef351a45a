/**
 * A Redis store for MQTT.js clients: in-flight QoS 1/2 messages that survive
 * a crash and a restart of the client's process.
 *
 * @example
 * import { createRedisStores } from 'mqtt-redis-engine'
 * const stores = createRedisStores({ redis: 'redis://127.0.0.1:6379', clientId: 'sensor-7', serverUri: 'mqtt://broker:1883' })
 * await stores.ready()
 */
export { createRedisStores } from './create.js'
export type { RedisStores, RedisStoresOptions, RedisStoreClientOptions } from './create.js'
export { FAIL_FAST_OPTIONS } from './connection.js'
export type { RedisStoreTarget } from './connection.js'
export { MissingPacketError, RedisStoreError } from './errors.js'
export type { StoreOperation, StoreSide } from './errors.js'
export { clientStoreKeys, CLIENT_STORE_ROOT } from './keys.js'
export type { ClientStoreKeys, SideKeys } from './keys.js'
export { StoreMessageIdProvider } from './message-ids.js'
export type { HeldIds, MessageIdProvider } from './message-ids.js'
export { RedisPacketStore } from './packet-store.js'
export { decodePacket, encodePacket, PacketDecodeError } from './codec.js'
export type { StoredPacket } from './codec.js'
