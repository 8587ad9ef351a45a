/**
 * One worker thread's share of the soak's connections: MQTT.js clients that
 * connect in batches, each subscribe at QoS 1 to their own topic and to the
 * shared one, publish QoS 1 at this worker's share of the rate, and record
 * every acknowledgement and delivery in the shared tables.
 */
import mqtt, { type MqttClient } from 'mqtt'
import {
  ACKED,
  C,
  CONN_DROPPED,
  CONN_FAILED,
  CONN_UP,
  FAILED,
  SENT,
  SharedView,
  bucketOf,
  directPayload,
  parsePayload,
  sharedPayload,
  type SharedBuffers,
  type SharedLayout,
} from './shared.js'

export interface WorkerSetup {
  /** This worker's number, 0-based. */
  readonly index: number
  readonly url: string
  /** The global connection numbers this worker owns: [from, to). */
  readonly from: number
  readonly to: number
  /** Connections this worker has connecting at once. */
  readonly batch: number
  readonly topicRoot: string
  readonly clientPrefix: string
  readonly payloadBytes: number
  /** Direct publishes of this worker awaiting their PUBACK at most; beyond it, due publishes are skipped and counted. */
  readonly maxInflight: number
  readonly keepaliveSec: number
  readonly connectTimeoutMs: number
  readonly buffers: SharedBuffers
  readonly layout: SharedLayout
}

export interface PublishPlan {
  readonly durationMs: number
  /** Direct messages per second from this worker. */
  readonly rate: number
  /** Publish a shared message this often (0: this worker publishes none). */
  readonly sharedEveryMs: number
}

export const ownTopic = (root: string, i: number): string => `${root}/c/${i}`
export const sharedTopic = (root: string): string => `${root}/all`

interface Conn {
  readonly i: number
  readonly client: MqttClient
}

export class ClientPool {
  private readonly view: SharedView
  private readonly conns: Conn[] = []
  private ending = false
  private publishing: { stop(): void } | null = null
  private seq = 0
  private sharedSeq = 0
  private inflight = 0
  private rr = 0
  readonly errors: string[] = []

  constructor(private readonly s: WorkerSetup) {
    this.view = new SharedView(s.buffers, s.layout)
  }

  private noteError(text: string): void {
    if (this.errors.length < 5 && !this.errors.includes(text)) this.errors.push(text)
  }

  /** Connect and subscribe every connection of this worker, `batch` at a time. */
  async connectAll(): Promise<{ up: number; failed: number }> {
    let up = 0
    let failed = 0
    for (let start = this.s.from; start < this.s.to && !this.ending; start += this.s.batch) {
      const end = Math.min(this.s.to, start + this.s.batch)
      const batch: Promise<boolean>[] = []
      for (let i = start; i < end; i++) batch.push(this.connectOne(i))
      for (const ok of await Promise.all(batch)) ok ? up++ : failed++
    }
    return { up, failed }
  }

  private async connectOne(i: number): Promise<boolean> {
    const v = this.view
    const own = ownTopic(this.s.topicRoot, i)
    const client = mqtt.connect(this.s.url, {
      clientId: `${this.s.clientPrefix}${i}`,
      protocolVersion: 4,
      clean: true,
      keepalive: this.s.keepaliveSec,
      reconnectPeriod: 0,
      connectTimeout: this.s.connectTimeoutMs,
    })
    let isUp = false
    client.on('error', (err: Error) => this.noteError(`connection ${i}: ${err.message}`))
    client.on('reconnect', () => v.count(C.reconnects))
    client.on('close', () => {
      if (isUp && !this.ending) {
        isUp = false
        Atomics.store(v.up, i, CONN_DROPPED)
        v.count(C.up, -1)
        v.count(C.dropped)
        this.noteError(`connection ${i} closed during the run`)
      }
    })
    client.on('message', (topic, payload, packet) => this.onMessage(i, own, topic, payload, packet.dup === true))
    try {
      await new Promise<void>((resolve, reject) => {
        const onClose = (): void => reject(new Error('closed before CONNACK'))
        client.once('close', onClose)
        client.once('connect', () => {
          client.off('close', onClose)
          resolve()
        })
      })
      const granted = await client.subscribeAsync({ [own]: { qos: 1 }, [sharedTopic(this.s.topicRoot)]: { qos: 1 } })
      if (granted.length !== 2 || granted.some((g) => g.qos !== 1)) throw new Error(`subscription not granted at QoS 1: ${JSON.stringify(granted.map((g) => g.qos))}`)
      if (!client.connected) throw new Error('closed while subscribing')
    } catch (err) {
      this.noteError(`connection ${i}: ${err instanceof Error ? err.message : String(err)}`)
      Atomics.store(v.up, i, CONN_FAILED)
      v.count(C.failed)
      client.end(true)
      return false
    }
    if (this.ending) {
      // The run was stopped while this one was connecting: it is not kept.
      client.end(true)
      return false
    }
    isUp = true
    Atomics.store(v.up, i, CONN_UP)
    v.count(C.up)
    this.conns.push({ i, client })
    return true
  }

  private onMessage(i: number, own: string, topic: string, payload: Buffer, dup: boolean): void {
    const now = process.hrtime.bigint()
    const v = this.view
    const { workers, directCapacity, sharedCapacity } = this.s.layout
    if (dup) v.count(C.dupFlag)
    const p = parsePayload(payload)
    if (p === null) {
      v.count(C.foreign)
      return
    }
    const us = Number(now - p.sendNs) / 1000
    if (p.kind === 'd') {
      if (p.worker >= workers || p.seq >= directCapacity) {
        v.count(C.foreign)
        return
      }
      if (p.target !== i || topic !== own) v.count(C.misrouted)
      const before = SharedView.bump(v.directReceived, p.worker * directCapacity + p.seq)
      v.count(C.directReceived)
      if (before > 0) v.count(C.directDuplicates)
      else Atomics.add(v.directHist, bucketOf(us), 1)
    } else {
      if (p.seq >= sharedCapacity) {
        v.count(C.foreign)
        return
      }
      const before = SharedView.bump(v.sharedReceived, i * sharedCapacity + p.seq)
      v.count(C.sharedReceived)
      if (before > 0) v.count(C.sharedDuplicates)
      else Atomics.add(v.sharedHist, bucketOf(us), 1)
    }
  }

  /** A connection of this worker that is up, taken in turn. */
  private nextPublisher(): Conn | null {
    for (let k = 0; k < this.conns.length; k++) {
      const c = this.conns[this.rr++ % this.conns.length] as Conn
      if (Atomics.load(this.view.up, c.i) === CONN_UP) return c
    }
    return null
  }

  /** A connection of the whole run that is up, at random. */
  private randomTarget(): number | null {
    const n = this.s.layout.connections
    for (let k = 0; k < 16; k++) {
      const t = Math.floor(Math.random() * n)
      if (Atomics.load(this.view.up, t) === CONN_UP) return t
    }
    return null
  }

  private publishDirect(): boolean {
    const v = this.view
    const cap = this.s.layout.directCapacity
    if (this.seq >= cap) {
      v.count(C.overCapacity)
      return false
    }
    const from = this.nextPublisher()
    const target = this.randomTarget()
    if (from === null || target === null) return false
    const seq = this.seq++
    const slot = this.s.index * cap + seq
    Atomics.store(v.directTarget, slot, target)
    Atomics.store(v.directState, slot, SENT)
    v.count(C.directSent)
    this.inflight++
    const payload = directPayload(this.s.index, seq, target, process.hrtime.bigint(), this.s.payloadBytes)
    from.client.publish(ownTopic(this.s.topicRoot, target), payload, { qos: 1 }, (err) => {
      this.inflight--
      if (err) {
        Atomics.or(v.directState, slot, FAILED)
        v.count(C.directFailed)
        this.noteError(`publish: ${err.message}`)
      } else {
        Atomics.or(v.directState, slot, ACKED)
        v.count(C.directAcked)
      }
    })
    return true
  }

  private publishShared(): void {
    const v = this.view
    if (this.sharedSeq >= this.s.layout.sharedCapacity) return
    const from = this.nextPublisher()
    if (from === null) return
    const seq = this.sharedSeq++
    Atomics.store(v.sharedState, seq, SENT)
    v.count(C.sharedSent)
    const payload = sharedPayload(seq, process.hrtime.bigint(), this.s.payloadBytes)
    from.client.publish(sharedTopic(this.s.topicRoot), payload, { qos: 1 }, (err) => {
      if (err) {
        Atomics.or(v.sharedState, seq, FAILED)
        v.count(C.sharedFailed)
        this.noteError(`shared publish: ${err.message}`)
      } else {
        Atomics.or(v.sharedState, seq, ACKED)
        v.count(C.sharedAcked)
      }
    })
  }

  /**
   * Publish for `durationMs`: direct messages paced by the clock (what is
   * due is sent every 5 ms; what is due while `maxInflight` publishes wait
   * for their PUBACK is skipped and counted), and a shared one every
   * `sharedEveryMs`, the first right away.
   */
  publish(plan: PublishPlan): Promise<void> {
    return new Promise<void>((resolve) => {
      const t0 = performance.now()
      const perMs = plan.rate / 1000
      let issued = 0
      let sharedDue = 0
      const tick = (): void => {
        const elapsed = Math.min(performance.now() - t0, plan.durationMs)
        const due = Math.floor(elapsed * perMs) - issued
        for (let k = 0; k < due; k++) {
          if (this.inflight >= this.s.maxInflight) {
            this.view.count(C.heldBack, due - k)
            break
          }
          if (!this.publishDirect()) break
        }
        issued += Math.max(0, due)
        if (plan.sharedEveryMs > 0 && elapsed >= sharedDue && elapsed < plan.durationMs) {
          this.publishShared()
          sharedDue += plan.sharedEveryMs
        }
        if (elapsed >= plan.durationMs) stop()
      }
      const timer = setInterval(tick, 5)
      const stop = (): void => {
        clearInterval(timer)
        this.publishing = null
        resolve()
      }
      this.publishing = { stop }
      tick()
    })
  }

  /** End every connection with a DISCONNECT (closing the socket if that takes over 5 s), `batch` x 4 at a time. */
  async endAll(): Promise<void> {
    this.ending = true
    this.publishing?.stop()
    const endOne = (c: MqttClient): Promise<void> =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => c.end(true, {}, () => resolve()), 5000)
        c.end(false, {}, () => {
          clearTimeout(force)
          resolve()
        })
      })
    const all = this.conns.map((c) => c.client)
    const step = this.s.batch * 4
    for (let k = 0; k < all.length; k += step) await Promise.all(all.slice(k, k + step).map(endOne))
  }
}
