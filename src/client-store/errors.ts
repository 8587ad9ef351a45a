/**
 * The two ways a client store call fails: Redis could not do what was asked
 * (`RedisStoreError`), or the store holds no packet under that message id
 * (`MissingPacketError`, worded as MQTT.js' in-memory Store words it, because
 * MQTT.js' handlers treat any error from `get` alike and tests compare both
 * stores).
 */

/** What the store was doing when Redis failed it. */
export type StoreOperation = 'connect' | 'load' | 'put' | 'get' | 'del' | 'stream' | 'decode' | 'close' | 'allocate'

/** Which of the two stores (or neither, for the shared connection). */
export type StoreSide = 'incoming' | 'outgoing' | 'connection'

/**
 * Redis did not do what the store asked. `put` failing with this error means
 * the packet was not acknowledged as stored: MQTT.js must not treat it as safe.
 *
 * @example
 * stores.outgoing.put(packet, (err) => {
 *   if (err instanceof RedisStoreError) console.error(err.operation, err.message)
 * })
 */
export class RedisStoreError extends Error {
  override readonly name = 'RedisStoreError'
  constructor(
    readonly operation: StoreOperation,
    readonly side: StoreSide,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/**
 * No packet is stored under the message id asked for.
 *
 * @example
 * stores.incoming.get({ messageId: 7 }, (err) => {
 *   if (err instanceof MissingPacketError) console.log(err.message) // 'missing packet'
 * })
 */
export class MissingPacketError extends Error {
  override readonly name = 'MissingPacketError'
  constructor(readonly messageId: number | undefined) {
    super('missing packet')
  }
}

/** The text of whatever was thrown, for messages. */
export function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
