/**
 * What the soak's threads share: counters, latency histograms and, for every
 * message, whether the broker acknowledged it and how often it was
 * delivered, all in SharedArrayBuffers (worker threads write with Atomics,
 * the main thread reads them while the run goes on and at its end).
 *
 * Messages are named by the worker that sent them and that worker's sequence
 * number (`direct`: to one connection's own topic), or by a run-wide
 * sequence number (`shared`: to the topic every connection subscribes to).
 */

/** Indexes into `counters`. */
export const C = {
  /** Connections connected and subscribed (both filters granted QoS 1), right now. */
  up: 0,
  /** Connections that never came up (connect or subscribe failed). */
  failed: 1,
  /** Connections that were up and closed before the soak ended them. */
  dropped: 2,
  /** MQTT.js `reconnect` events (none expected: reconnectPeriod is 0). */
  reconnects: 3,
  directSent: 4,
  directAcked: 5,
  /** Publishes MQTT.js reported as failed (no PUBACK). */
  directFailed: 6,
  /** Deliveries of direct messages (duplicates included). */
  directReceived: 7,
  directDuplicates: 8,
  sharedSent: 9,
  sharedAcked: 10,
  sharedFailed: 11,
  sharedReceived: 12,
  sharedDuplicates: 13,
  /** Deliveries on a connection whose topic was not the message's target. */
  misrouted: 14,
  /** Deliveries whose payload was not one this run sent. */
  foreign: 15,
  /** Publishes not sent because the in-flight cap was reached (the rate was not sustained). */
  heldBack: 16,
  /** Publishes not sent because the message table was full. */
  overCapacity: 17,
  /** Deliveries that carried the DUP flag (a resend by the broker). */
  dupFlag: 18,
} as const
const COUNTERS = 19

/** Latency histogram: 16 buckets per doubling of microseconds (each bucket about 4.4% wide), up to about 2^32 us. */
export const BUCKETS = 16 * 32 + 1

export function bucketOf(us: number): number {
  if (us < 1) return 0
  return Math.min(BUCKETS - 1, Math.floor(Math.log2(us) * 16) + 1)
}

/** The upper bound of a bucket, in microseconds. */
export function bucketUpperUs(b: number): number {
  return b === 0 ? 1 : 2 ** (b / 16)
}

/** The value at quantile q (0..1) of a histogram, in milliseconds (the bucket's upper bound), or null if empty. */
export function quantileMs(hist: ArrayLike<number>, q: number): number | null {
  let total = 0
  for (let i = 0; i < hist.length; i++) total += hist[i] ?? 0
  if (total === 0) return null
  const rank = Math.max(1, Math.ceil(q * total))
  let seen = 0
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i] ?? 0
    if (seen >= rank) return bucketUpperUs(i) / 1000
  }
  return bucketUpperUs(hist.length - 1) / 1000
}

export function histDiff(now: ArrayLike<number>, before: ArrayLike<number>): number[] {
  const out = new Array<number>(now.length)
  for (let i = 0; i < now.length; i++) out[i] = (now[i] ?? 0) - (before[i] ?? 0)
  return out
}

/** Per-message flags of direct messages (`directState`). */
export const SENT = 1
export const ACKED = 2
export const FAILED = 4

/** `up` flags per connection. */
export const CONN_UP = 1
export const CONN_DROPPED = 2
export const CONN_FAILED = 3

/** The buffers themselves: posted to every worker as they are. */
export interface SharedBuffers {
  readonly counters: SharedArrayBuffer
  readonly directHist: SharedArrayBuffer
  readonly sharedHist: SharedArrayBuffer
  /** workers x directCapacity bytes: SENT | ACKED | FAILED. */
  readonly directState: SharedArrayBuffer
  /** workers x directCapacity bytes: deliveries seen (saturating at 255). */
  readonly directReceived: SharedArrayBuffer
  /** workers x directCapacity int32: the connection each message was sent to. */
  readonly directTarget: SharedArrayBuffer
  /** sharedCapacity bytes: SENT | ACKED | FAILED. */
  readonly sharedState: SharedArrayBuffer
  /** connections x sharedCapacity bytes: deliveries of each shared message to each connection. */
  readonly sharedReceived: SharedArrayBuffer
  /** connections bytes: CONN_* */
  readonly up: SharedArrayBuffer
}

export interface SharedLayout {
  readonly workers: number
  readonly connections: number
  /** Direct messages each worker may send at most (the run is bounded in count). */
  readonly directCapacity: number
  /** Shared messages the run may send at most. */
  readonly sharedCapacity: number
}

/** Typed views of the buffers, made once per thread. */
export class SharedView {
  readonly counters: Int32Array
  readonly directHist: Int32Array
  readonly sharedHist: Int32Array
  readonly directState: Uint8Array
  readonly directReceived: Uint8Array
  readonly directTarget: Int32Array
  readonly sharedState: Uint8Array
  readonly sharedReceived: Uint8Array
  readonly up: Uint8Array

  constructor(readonly buffers: SharedBuffers, readonly layout: SharedLayout) {
    this.counters = new Int32Array(buffers.counters)
    this.directHist = new Int32Array(buffers.directHist)
    this.sharedHist = new Int32Array(buffers.sharedHist)
    this.directState = new Uint8Array(buffers.directState)
    this.directReceived = new Uint8Array(buffers.directReceived)
    this.directTarget = new Int32Array(buffers.directTarget)
    this.sharedState = new Uint8Array(buffers.sharedState)
    this.sharedReceived = new Uint8Array(buffers.sharedReceived)
    this.up = new Uint8Array(buffers.up)
  }

  static allocate(layout: SharedLayout): SharedView {
    const direct = layout.workers * layout.directCapacity
    return new SharedView(
      {
        counters: new SharedArrayBuffer(COUNTERS * 4),
        directHist: new SharedArrayBuffer(BUCKETS * 4),
        sharedHist: new SharedArrayBuffer(BUCKETS * 4),
        directState: new SharedArrayBuffer(direct),
        directReceived: new SharedArrayBuffer(direct),
        directTarget: new SharedArrayBuffer(direct * 4),
        sharedState: new SharedArrayBuffer(layout.sharedCapacity),
        sharedReceived: new SharedArrayBuffer(layout.connections * layout.sharedCapacity),
        up: new SharedArrayBuffer(layout.connections),
      },
      layout,
    )
  }

  count(c: number, by = 1): void {
    Atomics.add(this.counters, c, by)
  }

  get(c: number): number {
    return Atomics.load(this.counters, c)
  }

  /** Count one delivery in a byte table, saturating at 255; returns the deliveries before this one. */
  static bump(table: Uint8Array, i: number): number {
    for (;;) {
      const before = Atomics.load(table, i)
      if (before === 255) return before
      if (Atomics.compareExchange(table, i, before, before + 1) === before) return before
    }
  }

  snapshotHist(h: Int32Array): number[] {
    const out = new Array<number>(h.length)
    for (let i = 0; i < h.length; i++) out[i] = Atomics.load(h, i)
    return out
  }
}

/** Payload of a direct message: `d <worker> <seq> <target> <sendNs>`, padded with '.' to the payload size. */
export function directPayload(worker: number, seq: number, target: number, sendNs: bigint, size: number): string {
  const s = `d ${worker} ${seq} ${target} ${sendNs} `
  return s.length >= size ? s : s + '.'.repeat(size - s.length)
}

/** Payload of a shared message: `s <seq> <sendNs>`, padded. */
export function sharedPayload(seq: number, sendNs: bigint, size: number): string {
  const s = `s ${seq} ${sendNs} `
  return s.length >= size ? s : s + '.'.repeat(size - s.length)
}

export type Parsed =
  | { readonly kind: 'd'; readonly worker: number; readonly seq: number; readonly target: number; readonly sendNs: bigint }
  | { readonly kind: 's'; readonly seq: number; readonly sendNs: bigint }

const INT = /^\d+$/

export function parsePayload(payload: Buffer): Parsed | null {
  // Only the head carries fields; the padding is ignored.
  const parts = payload.toString('latin1', 0, Math.min(payload.length, 96)).split(' ')
  if (parts[0] === 'd' && parts.length >= 5) {
    const [, w, s, t, ns] = parts as [string, string, string, string, string]
    if (!INT.test(w) || !INT.test(s) || !INT.test(t) || !INT.test(ns)) return null
    return { kind: 'd', worker: Number(w), seq: Number(s), target: Number(t), sendNs: BigInt(ns) }
  }
  if (parts[0] === 's' && parts.length >= 3) {
    const [, s, ns] = parts as [string, string, string]
    if (!INT.test(s) || !INT.test(ns)) return null
    return { kind: 's', seq: Number(s), sendNs: BigInt(ns) }
  }
  return null
}
