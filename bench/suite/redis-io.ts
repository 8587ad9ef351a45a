/**
 * The Redis side of the contenders: an ioredis pipeline of writes (what
 * src/redis/apply.ts' queueWrite puts on one), and a raw reader that keeps
 * every reply (src/redis/raw-connection.ts keeps only a batch's last).
 */
import type { Redis } from 'ioredis'
import { connect, type Socket } from 'node:net'
import RedisParser from 'redis-parser'
import type { RedisWrite } from '../../projections/writes.js'
import { queueWrite } from '../../src/redis/apply.js'

/** Writes [from, to) on one ioredis pipeline; resolves with the number Redis refused. */
export async function ioredisWrites(redis: Redis, writes: readonly RedisWrite[], from: number, to: number): Promise<number> {
  const p = redis.pipeline()
  for (let i = from; i < to; i++) queueWrite(p, writes[i] as RedisWrite)
  let errors = 0
  for (const [err] of (await p.exec()) ?? []) if (err) errors++
  return errors
}

interface Pending {
  readonly expected: number
  readonly replies: unknown[]
  readonly resolve: (replies: unknown[]) => void
  readonly reject: (e: Error) => void
}

/**
 * A raw connection for reads: pre-encoded commands out, every reply back
 * (bulk strings as Buffers, as ioredis' *Buffer commands give them; error
 * replies as Error values in place).
 */
export class RawReader {
  private readonly pending: Pending[] = []
  private head = 0

  private constructor(private readonly socket: Socket) {
    const parser = new RedisParser({
      returnBuffers: true,
      returnReply: (reply: unknown) => this.reply(reply),
      returnError: (err: Error) => this.reply(err),
      returnFatalError: (err: Error) => this.fail(err),
    })
    socket.on('data', (chunk: Buffer) => parser.execute(chunk))
    socket.on('error', (e) => this.fail(e))
  }

  static async open(host: string, port: number): Promise<RawReader> {
    const socket = connect({ host, port, noDelay: true })
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    return new RawReader(socket)
  }

  /** Send `bytes` holding `count` commands; resolves with their replies, in order. */
  send(bytes: Buffer, count: number): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ expected: count, replies: [], resolve, reject })
      this.socket.write(bytes)
    })
  }

  close(): void {
    this.socket.end()
  }

  private reply(value: unknown): void {
    const p = this.pending[this.head]
    if (!p) return this.fail(new Error('a reply nobody asked for'))
    p.replies.push(value)
    if (p.replies.length < p.expected) return
    this.head++
    if (this.head === this.pending.length) {
      this.pending.length = 0
      this.head = 0
    }
    p.resolve(p.replies)
  }

  private fail(e: Error): void {
    for (let i = this.head; i < this.pending.length; i++) this.pending[i]?.reject(e)
    this.pending.length = 0
    this.head = 0
    this.socket.destroy()
  }
}
