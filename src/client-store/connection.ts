/**
 * The one ioredis connection both stores of a client share, and the rule
 * every store call follows: fail fast, through the callback, with a
 * `RedisStoreError` that says what was not stored and why.
 */
import { Redis, type RedisOptions } from 'ioredis'
import { reason, RedisStoreError, type StoreOperation, type StoreSide } from './errors.js'

/** A Redis URL, ioredis options, or a client the caller owns (and closes). */
export type RedisStoreTarget = string | RedisOptions | Redis

/**
 * Options for a connection the store opens itself. A store call must not wait
 * for a Redis that is away: MQTT.js would sit on a publish it cannot report,
 * so commands fail at once while disconnected (no offline queue), a command
 * in flight when the connection drops fails instead of being resent, and a
 * command Redis does not answer fails after five seconds. ioredis keeps
 * reconnecting in the background; the next call after that succeeds.
 *
 * @example
 * // The same behaviour for a client you pass in (and close) yourself:
 * const redis = new Redis('redis://127.0.0.1:6379', { ...FAIL_FAST_OPTIONS })
 * const stores = createRedisStores({ redis, clientId: 'sensor-7', serverUri: 'mqtt://broker:1883' })
 */
export const FAIL_FAST_OPTIONS: Readonly<RedisOptions> = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 5000,
  connectTimeout: 5000,
}

export class StoreConnection {
  readonly redis: Redis
  /** True when the store opened the connection, and so closes it. */
  readonly owned: boolean
  /** host:port (or socket path), for error messages. */
  readonly where: string
  private everReady: boolean
  /**
   * The first connection attempt. Kept once it has resolved: every later call
   * awaits the same settled promise, so calls reach ioredis in the order they
   * were made whether or not they had to wait.
   */
  private gate: Promise<void> | undefined
  private lastError: Error | undefined
  private users = 0
  private closed = false

  constructor(target: RedisStoreTarget) {
    if (target instanceof Redis) {
      this.redis = target
      this.owned = false
    } else {
      this.redis = typeof target === 'string' ? new Redis(target, { ...FAIL_FAST_OPTIONS }) : new Redis({ ...FAIL_FAST_OPTIONS, ...target })
      this.owned = true
      // Owned connections report through store errors; without a listener ioredis would print every reconnect failure.
      this.redis.on('error', (err: Error) => void (this.lastError = err))
    }
    const o = this.redis.options
    this.where = o.path ? String(o.path) : `${o.host ?? '127.0.0.1'}:${o.port ?? 6379}`
    this.everReady = this.redis.status === 'ready'
    this.redis.on('ready', this.onReady)
  }

  private readonly onReady = (): void => {
    this.everReady = true
    this.lastError = undefined
  }

  /** One more store uses the connection. */
  acquire(): void {
    this.users++
  }

  /** A store is done; the last one out closes an owned connection. */
  async release(): Promise<void> {
    this.users = Math.max(0, this.users - 1)
    if (this.users > 0 || this.closed) return
    this.closed = true
    this.redis.off('ready', this.onReady) // a client passed in may serve many stores over its life
    if (!this.owned) return
    if (this.redis.status === 'ready') {
      try {
        await this.redis.quit()
        return
      } catch {
        // Redis went away mid-quit: drop the socket instead.
      }
    }
    this.redis.disconnect()
  }

  /**
   * Run `command` and turn any failure into a RedisStoreError saying `what`.
   * Calls made before the connection was first ready wait for it (or for its
   * first failure), in the order they were made, so a put and the del that
   * follows it reach Redis in that order.
   */
  async run<T>(operation: StoreOperation, side: StoreSide, what: string, command: (redis: Redis) => Promise<T>): Promise<T> {
    if (this.closed) throw new RedisStoreError(operation, side, `${what}: the store is closed`)
    try {
      if (!this.everReady && this.redis.status !== 'ready') this.gate ??= this.firstReady()
      if (this.gate) await this.gate
      return await command(this.redis)
    } catch (err) {
      if (err instanceof RedisStoreError) throw err
      // ioredis' own words for a closed connection ("Stream isn't writeable ...") do not say why; the last connection error does.
      const why = this.lastError && this.lastError.message !== reason(err) ? `Redis is unreachable (${this.lastError.message}); ${reason(err)}` : reason(err)
      throw new RedisStoreError(operation, side, `${what} in the ${side} store at Redis ${this.where}: ${why}`, { cause: err })
    }
  }

  /** Resolves on the first 'ready', rejects on the first error before it; a later call tries again. */
  private firstReady(): Promise<void> {
    const r = this.redis
    const attempt = new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        r.off('ready', onReady)
        r.off('error', onError)
        r.off('end', onEnd)
        if (err) reject(err)
        else resolve()
      }
      const onReady = (): void => done()
      const onError = (err: Error): void => done(err)
      const onEnd = (): void => done(new Error('the connection was closed before it was ready'))
      r.on('ready', onReady)
      r.on('error', onError)
      r.on('end', onEnd)
      if (r.status === 'wait') r.connect().catch(() => undefined) // lazyConnect: the error arrives as an event
      else if (r.status === 'end') onEnd()
    })
    attempt.catch(() => {
      if (this.gate === attempt) this.gate = undefined
    })
    return attempt
  }
}
