/**
 * createStream's Readable: the side's message ids in first-put order (one
 * ZRANGE), then their packets a page at a time (HMGET), so a store with many
 * large packets is never read into memory at once.
 *
 * Reading lazily is safe because MQTT.js calls createStream and reads from
 * it in the same synchronous step that handles CONNACK: the ZRANGE is sent
 * (or queued in order, see connection.ts) before any publish made after
 * CONNACK can put its packet, so such a packet is never in the list and is
 * never sent twice. A packet acknowledged after the list was read is one the
 * replay already sent; one deleted before its page is read is skipped.
 */
import { Readable } from 'node:stream'
import type { StoredPacket } from './codec.js'

const PAGE = 64

export interface PacketSource {
  /** Message ids, oldest first put first. */
  ids(): Promise<readonly string[]>
  /** Packets of `ids`, in the same order; null where one is gone. */
  packets(ids: readonly string[]): Promise<ReadonlyArray<StoredPacket | null>>
}

/**
 * A Readable in object mode over `source`; a failure of either call
 * destroys it with that error (MQTT.js listens for 'error').
 *
 * @example
 * for await (const packet of packetStream(source)) console.log(packet.messageId)
 */
export function packetStream(source: PacketSource): Readable {
  let ids: readonly string[] | undefined
  let at = 0
  let busy = false
  let again = false
  let ended = false

  /** Push the next page with something in it, or the end. */
  const pull = async (stream: Readable): Promise<void> => {
    ids ??= await source.ids()
    while (at < ids.length) {
      const page = ids.slice(at, at + PAGE)
      at += page.length
      const found = (await source.packets(page)).filter((p): p is StoredPacket => p !== null)
      if (stream.destroyed) return
      if (found.length === 0) continue
      for (const p of found) stream.push(p)
      return
    }
    ended = true
    if (!stream.destroyed) stream.push(null)
  }

  return new Readable({
    objectMode: true,
    read() {
      // Node asks again only after a push: a request made while a page is in flight is remembered, not dropped.
      if (busy) {
        again = true
        return
      }
      busy = true
      const step = (): void => {
        again = false
        pull(this).then(
          () => {
            if (again && !ended && !this.destroyed) step()
            else busy = false
          },
          (err: unknown) => this.destroy(err instanceof Error ? err : new Error(String(err))),
        )
      }
      step()
    },
  })
}
