/**
 * A message-id provider that never hands out an id the outgoing store holds.
 *
 * Why: MQTT.js' providers start from scratch in a new process. With
 * UniqueMessageIdProvider the first publish after a restart takes id 1; made
 * before CONNACK it is put into the store straight away and overwrites the
 * stored packet 1, which is then never resent. And on every CONNACK MQTT.js
 * calls `clear()` and only re-registers stored ids as its replay reaches
 * them, so even a connected client can hand a stored id to a new publish.
 * This provider keeps the ids the store holds (`HeldIds`, filled by the
 * store's `ready()` and kept current by its put and del) apart from the ids
 * in use in this session, which `clear()` forgets as MQTT.js expects.
 */
import type { IClientOptions } from 'mqtt'
import { RedisStoreError } from './errors.js'

/** MQTT.js' IMessageIdProvider (not exported by name from 'mqtt'). */
export type MessageIdProvider = NonNullable<IClientOptions['messageIdProvider']>

const MAX_ID = 65535

/**
 * The message ids the outgoing store holds, mirrored in memory. One process
 * owns a (clientId, serverUri) store, so the mirror stays true after its
 * first load.
 *
 * @example
 * const held = new HeldIds()
 * held.load([3, 4]) // what Redis holds at startup
 * held.has(3) // true: the provider will not hand out 3
 */
export class HeldIds {
  private readonly ids = new Set<number>()
  private loadedOnce = false

  /** True once the ids stored before this process started are known. */
  get loaded(): boolean {
    return this.loadedOnce
  }

  /** Merge ids read from Redis. A merge, not a replace: a put sent after the read is already counted. */
  load(ids: Iterable<number>): void {
    for (const id of ids) this.ids.add(id)
    this.loadedOnce = true
  }

  add(id: number): void {
    this.ids.add(id)
  }

  delete(id: number): void {
    this.ids.delete(id)
  }

  has(id: number): boolean {
    return this.ids.has(id)
  }

  get size(): number {
    return this.ids.size
  }
}

/**
 * Pass as MQTT.js' `messageIdProvider` together with the outgoing store it
 * was made for (createRedisStores does both).
 *
 * @example
 * const stores = createRedisStores({ redis, clientId, serverUri })
 * await stores.ready() // loads the held ids
 * mqtt.connect(serverUri, { clientId, clean: false, ...stores.clientOptions })
 */
export class StoreMessageIdProvider implements MessageIdProvider {
  private readonly inUse = new Set<number>()
  private last = 0

  constructor(private readonly held: HeldIds) {}

  /**
   * The next id after the last one handed out that is neither in use nor
   * held by the store; null when all 65535 are taken (MQTT.js then queues
   * the publish until an id is freed).
   *
   * @throws RedisStoreError before the store's ids are loaded: any id could be a stored one.
   */
  allocate(): number | null {
    if (!this.held.loaded) {
      throw new RedisStoreError('allocate', 'outgoing', 'no message id can be handed out before the outgoing store has loaded the ids it holds: await stores.ready() before the first publish or subscribe')
    }
    for (let step = 1; step <= MAX_ID; step++) {
      const id = ((this.last + step - 1) % MAX_ID) + 1
      if (!this.inUse.has(id) && !this.held.has(id)) {
        this.inUse.add(id)
        this.last = id
        return id
      }
    }
    return null
  }

  getLastAllocated(): number | null {
    return this.last === 0 ? null : this.last
  }

  /** Claim an id MQTT.js is about to (re)send, e.g. a stored packet it replays; false if this session already uses it. */
  register(id: number): boolean {
    if (this.inUse.has(id)) return false
    this.inUse.add(id)
    return true
  }

  deallocate(id: number): void {
    this.inUse.delete(id)
  }

  /** Forget the session's ids (MQTT.js calls this on CONNACK); the store's held ids stay out of reach. */
  clear(): void {
    this.inUse.clear()
  }
}
