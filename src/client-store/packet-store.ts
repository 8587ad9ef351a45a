/**
 * One side (incoming or outgoing) of an MQTT.js client's persistence, in
 * Redis: MQTT.js' Store interface (put, get, del, createStream, close) over a
 * hash of encoded packets and a sorted set giving their order.
 *
 * Every callback comes after Redis answered: put calls back once Redis holds
 * the packet, never before, and any Redis failure reaches the callback as a
 * RedisStoreError.
 */
import type { IStore } from 'mqtt'
import { deliver, isMessageId, label } from './callbacks.js'
import { decodePacket, encodePacket, PacketDecodeError, type StoredPacket } from './codec.js'
import type { StoreConnection } from './connection.js'
import { MissingPacketError, reason, RedisStoreError } from './errors.js'
import { incomingFailed, outgoingPutFailed, replayFailed, type GuardedClient } from './guard.js'
import type { SideKeys } from './keys.js'
import type { HeldIds } from './message-ids.js'
import { packetStream } from './packet-stream.js'
import { deletePacket, putPacket } from './script.js'

type DoneCallback = Parameters<IStore['put']>[1]
/**
 * MQTT.js types createStream with readable-stream's Readable. readable-stream
 * v4 is a copy of Node's stream module and MQTT.js only calls read, destroy,
 * on and once, so Node's Readable serves; the typings differ in two private
 * members (_readableState, _undestroy) Node's declarations leave out.
 */
type StoreReadable = ReturnType<IStore['createStream']>
type PacketCallback = Parameters<IStore['get']>[1]
type Side = 'incoming' | 'outgoing'

export interface PacketStoreOptions {
  readonly connection: StoreConnection
  readonly keys: SideKeys
  readonly side: Side
  /** Outgoing only: the in-memory mirror of stored ids the message-id provider reads. */
  readonly held?: HeldIds
}

/**
 * @example
 * const stores = createRedisStores({ redis: 'redis://127.0.0.1:6379', clientId: 'c1', serverUri: 'mqtt://h:1883' })
 * stores.outgoing.put(packet, (err) => { if (!err) console.log('in Redis') })
 */
export class RedisPacketStore implements IStore {
  private client: GuardedClient | undefined
  private closed = false

  constructor(private readonly opts: PacketStoreOptions) {
    opts.connection.acquire()
  }

  /** The client to protect when Redis fails (see guard.ts); undefined to stop. */
  guard(client: GuardedClient | undefined): void {
    this.client = client
  }

  /** Outgoing: read the stored ids into the mirror the message-id provider uses. */
  async load(): Promise<void> {
    const { connection, keys, side, held } = this.opts
    const ids = await connection.run('load', side, 'could not list the stored message ids', (r) => r.zrange(keys.order, 0, -1))
    held?.load(ids.map(Number))
  }

  put(packet: StoredPacket, cb: DoneCallback): this {
    const { connection, keys, side, held } = this.opts
    const id = packet.messageId
    if (this.closed || !isMessageId(id)) {
      const why = this.closed ? 'the store is closed' : 'a packet needs a message id from 1 to 65535'
      deliver(() => cb(new RedisStoreError('put', side, `could not store ${label(packet)}: ${why}`)))
      return this
    }
    // Sampled now: it tells which MQTT.js path called (see guard.ts).
    const connectedAtPut = this.client?.connected === true
    let encoded: Buffer
    try {
      encoded = encodePacket(packet) // now: MQTT.js may reuse the object once put returns
    } catch (err) {
      deliver(() => cb(new RedisStoreError('put', side, `could not store ${label(packet)}: it cannot be encoded (${reason(err)})`, { cause: err })))
      return this
    }
    const wasHeld = held?.has(id) === true
    held?.add(id)
    connection.run('put', side, `could not store ${label(packet)}`, (r) => putPacket(r, keys, id, encoded)).then(
      () => deliver(() => cb()),
      (err: RedisStoreError) => {
        // A failed first put may or may not have reached Redis; the publish is reported failed either way, so the id is free again.
        if (!wasHeld) held?.delete(id)
        if (this.client) {
          if (side === 'outgoing') outgoingPutFailed(this.client, packet, connectedAtPut, err)
          else incomingFailed(this.client)
        }
        deliver(() => cb(err))
      },
    )
    return this
  }

  get(packet: Pick<StoredPacket, 'messageId'>, cb: PacketCallback): this {
    const { connection, keys, side } = this.opts
    const id = packet.messageId
    if (this.closed) return this.fail('get', `could not read message id ${id}: the store is closed`, cb)
    connection.run('get', side, `could not read message id ${id}`, (r) => r.hgetBuffer(keys.packets, String(id))).then(
      (bytes) => {
        if (!bytes) return deliver(() => cb(new MissingPacketError(id)))
        const decoded = this.decode(bytes, id)
        deliver(() => (decoded instanceof Error ? cb(decoded) : cb(undefined, decoded)))
      },
      (err: RedisStoreError) => {
        if (this.client && side === 'incoming') incomingFailed(this.client)
        deliver(() => cb(err))
      },
    )
    return this
  }

  del(packet: Pick<StoredPacket, 'messageId'>, cb: PacketCallback): this {
    const { connection, keys, side, held } = this.opts
    const id = packet.messageId
    if (this.closed) return this.fail('del', `could not delete message id ${id}: the store is closed`, cb)
    const removed = connection.run('del', side, `could not delete message id ${id}`, (r) => deletePacket(r, keys, Number(id)))
    removed.then(
      (bytes) => {
        if (typeof id === 'number') held?.delete(id)
        if (!bytes) return deliver(() => cb(new MissingPacketError(id)))
        const decoded = this.decode(bytes, id)
        deliver(() => (decoded instanceof Error ? cb(decoded) : cb(undefined, decoded)))
      },
      (err: RedisStoreError) => deliver(() => cb(err)),
    )
    return this
  }

  createStream(): StoreReadable {
    const { connection, keys, side, held } = this.opts
    const replayFailure = (err: unknown): never => {
      if (this.client && side === 'outgoing') replayFailed(this.client)
      throw err
    }
    const stream = packetStream({
      ids: async () => {
        if (this.closed) throw new RedisStoreError('stream', side, 'could not list the stored packets: the store is closed')
        const ids = await connection.run('stream', side, 'could not list the stored packets', (r) => r.zrange(keys.order, 0, -1)).catch(replayFailure)
        held?.load(ids.map(Number))
        return ids
      },
      packets: async (ids) => {
        const found = await connection.run('stream', side, 'could not read the stored packets', (r) => r.hmgetBuffer(keys.packets, ...ids)).catch(replayFailure)
        return found.map((bytes, i) => {
          if (!bytes) return null
          const decoded = this.decode(bytes, Number(ids[i]))
          if (decoded instanceof Error) throw decoded
          return decoded
        })
      },
    })
    return stream as StoreReadable
  }

  close(cb: DoneCallback): void {
    if (this.closed) return deliver(() => cb())
    this.closed = true
    this.client = undefined
    void this.opts.connection.release().then(() => deliver(() => cb()))
  }

  private decode(bytes: Buffer, id: number | undefined): StoredPacket | RedisStoreError {
    try {
      return decodePacket(bytes)
    } catch (err) {
      const why = err instanceof PacketDecodeError ? err.message : reason(err)
      return new RedisStoreError('decode', this.opts.side, `message id ${id} holds bytes this store cannot read: ${why}`, { cause: err })
    }
  }

  private fail(operation: 'get' | 'del', message: string, cb: PacketCallback): this {
    deliver(() => cb(new RedisStoreError(operation, this.opts.side, message)))
    return this
  }
}
