/**
 * A plain TCP connection to one Redis server that sends pre-encoded RESP
 * (src/redis/resp.ts) and counts the replies, for bulk loads where a client
 * library's per-command objects cost more than Redis does. Replies are parsed
 * with redis-parser, the parser ioredis itself uses.
 *
 * Only what a bulk load needs: AUTH and SELECT at connect, then batches of
 * commands whose replies are counted; errors are kept, other replies are
 * dropped except each batch's last (the EXEC of a MULTI).
 */
import { connect, type Socket } from 'node:net'
import RedisParser from 'redis-parser'
import { RespWriter } from './resp.js'

export interface RawTarget {
  readonly host: string
  readonly port: number
  readonly username?: string | undefined
  readonly password?: string | undefined
  readonly db?: number | undefined
}

export interface BatchReplies {
  /** Top-level error replies, by reply index within the batch. */
  readonly errors: ReadonlyArray<{ readonly index: number; readonly error: Error }>
  /** The batch's last reply. */
  readonly last: unknown
}

interface Waiting {
  readonly expected: number
  seen: number
  errors: Array<{ index: number; error: Error }>
  last: unknown
  readonly resolve: (r: BatchReplies) => void
  readonly reject: (e: Error) => void
}

export class RedisConnectionLost extends Error {
  override readonly name = 'RedisConnectionLost'
}

export class RawConnection {
  private readonly waiting: Waiting[] = []
  private head = 0
  private failure: Error | null = null

  private constructor(private readonly socket: Socket) {
    const parser = new RedisParser({
      returnBuffers: false,
      returnReply: (reply: unknown) => this.reply(reply, null),
      returnError: (err: Error) => this.reply(null, err),
      returnFatalError: (err: Error) => this.fail(err),
    })
    socket.on('data', (chunk: Buffer) => parser.execute(chunk))
    socket.on('error', (e) => this.fail(e))
    socket.on('close', () => this.fail(new RedisConnectionLost('the Redis connection closed')))
  }

  /**
   * @example
   * const c = await RawConnection.open({ host: '127.0.0.1', port: 6379 })
   */
  static async open(target: RawTarget): Promise<RawConnection> {
    const socket = connect({ host: target.host, port: target.port, noDelay: true })
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    const c = new RawConnection(socket)
    const hello = new RespWriter(256)
    let n = 0
    if (target.password) {
      hello.command(target.username ? ['AUTH', target.username, target.password] : ['AUTH', target.password])
      n++
    }
    if (target.db) {
      hello.command(['SELECT', target.db])
      n++
    }
    if (n > 0) {
      const r = await c.send(hello.take(), n)
      const first = r.errors[0]
      if (first) {
        c.close()
        throw first.error
      }
    }
    return c
  }

  /** Write `bytes`, holding `replies` commands; resolves once all their replies are in. */
  send(bytes: Buffer, replies: number): Promise<BatchReplies> {
    if (this.failure) return Promise.reject(this.failure)
    return new Promise((resolve, reject) => {
      this.waiting.push({ expected: replies, seen: 0, errors: [], last: undefined, resolve, reject })
      this.socket.write(bytes)
    })
  }

  close(): void {
    this.socket.end()
  }

  private reply(value: unknown, err: Error | null): void {
    const w = this.waiting[this.head]
    if (!w) {
      this.fail(new Error('Redis sent a reply nobody asked for'))
      return
    }
    if (err) w.errors.push({ index: w.seen, error: err })
    w.seen++
    if (w.seen < w.expected) return
    w.last = err ?? value
    this.head++
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head)
      this.head = 0
    }
    w.resolve({ errors: w.errors, last: w.last })
  }

  private fail(e: Error): void {
    if (!this.failure) this.failure = e
    for (let i = this.head; i < this.waiting.length; i++) this.waiting[i]!.reject(this.failure)
    this.waiting.length = 0
    this.head = 0
    this.socket.destroy()
  }
}
