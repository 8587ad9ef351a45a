/**
 * Telling every broker that shares the store that session subscriptions
 * changed, so each drops the subscriptionsByTopic answers it keeps
 * (topic-cache.ts). The notice goes through the brokers' own message bus
 * (Aedes' `publish` / `subscribe`: an mqemitter, mqemitter-redis when
 * several brokers share one Redis), as aedes-persistence's broadcasting
 * persistences announce their subscription changes.
 *
 * `announce` resolves when its notice has come back through the bus:
 * with a shared bus the other brokers have been sent it by then. A notice
 * that does not come back within `echoTimeoutMs`, or cannot be sent, is
 * given up on (and reported): the change itself is in Redis already, and
 * the caller invalidates its own cache in any case.
 */
export const SUBSCRIPTIONS_CHANGED = '$SYS/redis-persistence/subscriptions-changed'

type Done = (err?: Error | null) => void
type Handler = (packet: { payload?: unknown }, cb: () => void) => void

/** What the notices need of a broker: Aedes' publish and subscribe. */
export interface NoticeBus {
  publish(packet: { topic: string; payload: Buffer; qos: 0; retain: false }, done: Done): void
  subscribe(topic: string, handler: Handler, done: Done): void
  unsubscribe(topic: string, handler: Handler, done: Done): void
}

export function isNoticeBus(broker: unknown): broker is NoticeBus {
  if (typeof broker !== 'object' || broker === null) return false
  const b = broker as Record<string, unknown>
  return typeof b['publish'] === 'function' && typeof b['subscribe'] === 'function' && typeof b['unsubscribe'] === 'function'
}

export class SubscriptionChanges {
  private readonly waiting = new Map<string, () => void>()
  private sent = 0
  /** The notice the announce calls of the current burst wait for; null until one asks. */
  private next: Promise<void> | null = null
  private readonly handler: Handler = (packet, cb) => {
    this.onChange()
    const nonce = Buffer.isBuffer(packet.payload) ? packet.payload.toString() : String(packet.payload ?? '')
    const resolve = this.waiting.get(nonce)
    if (resolve) {
      this.waiting.delete(nonce)
      resolve()
    }
    cb()
  }

  constructor(
    private readonly bus: NoticeBus,
    /** This broker's id: it names the notices it sends. */
    private readonly brokerId: string,
    private readonly onChange: () => void,
    /** A notice that could not be sent: the write stands, other brokers may answer from their cache until their next notice. */
    private readonly onError: (err: Error) => void,
    private readonly echoTimeoutMs = 5000,
  ) {}

  start(): Promise<void> {
    return new Promise((resolve, reject) => this.bus.subscribe(SUBSCRIPTIONS_CHANGED, this.handler, (err) => (err ? reject(err) : resolve())))
  }

  stop(): Promise<void> {
    for (const resolve of this.waiting.values()) resolve()
    this.waiting.clear()
    return new Promise((resolve) => this.bus.unsubscribe(SUBSCRIPTIONS_CHANGED, this.handler, () => resolve()))
  }

  /**
   * Tell the other brokers. The calls of one burst (made before the next
   * microtask) share one notice: it is sent after every one of them was
   * made, so after each caller's change was in Redis.
   */
  announce(): Promise<void> {
    if (this.next === null) {
      this.next = new Promise<void>((resolve) => {
        queueMicrotask(() => {
          this.next = null
          void this.send().then(resolve)
        })
      })
    }
    return this.next
  }

  /** Notices sent, one per burst of announce calls. */
  get notices(): number {
    return this.sent
  }

  private send(): Promise<void> {
    const nonce = `${this.brokerId}:${++this.sent}`
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(nonce)
        resolve()
      }, this.echoTimeoutMs)
      timer.unref()
      this.waiting.set(nonce, () => {
        clearTimeout(timer)
        resolve()
      })
      this.bus.publish({ topic: SUBSCRIPTIONS_CHANGED, payload: Buffer.from(nonce), qos: 0, retain: false }, (err) => {
        if (!err) return
        clearTimeout(timer)
        this.waiting.delete(nonce)
        this.onError(err)
        resolve()
      })
    })
  }
}
