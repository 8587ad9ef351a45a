/**
 * Redis commands encoded as RESP arrays of bulk strings straight into one
 * growing buffer: what a bulk load sends instead of one client-library
 * command object per write (which, with its promise and argument copies, cost
 * more than Redis took to run the command).
 *
 *   *<argc>\r\n  then per argument  $<byte length>\r\n<bytes>\r\n
 */

export type RespArg = string | Buffer | number

const EMPTY = Buffer.alloc(0)

/**
 * @example
 * const out = new RespWriter()
 * out.command(['HSET', 'mqtt:client:c1', 'state', '1'])
 * socket.write(out.take())
 */
export class RespWriter {
  private buf: Buffer
  private at = 0
  private count = 0

  constructor(initialBytes = 1 << 16) {
    this.buf = Buffer.allocUnsafe(initialBytes)
  }

  /** Commands written since the last `take`. */
  get commands(): number {
    return this.count
  }

  get bytes(): number {
    return this.at
  }

  /** Append one command. */
  command(args: readonly RespArg[]): void {
    this.header(0x2a, args.length)
    for (const a of args) this.arg(a)
    this.count++
  }

  arg(a: RespArg): void {
    if (typeof a === 'number') a = String(a)
    if (typeof a === 'string') {
      const len = a.length
      // Room for the longest possible UTF-8 form (3 bytes per UTF-16 unit), so one pass writes it.
      if (this.at + len * 3 + 32 > this.buf.length) this.reserve(len * 3 + 32)
      if (len < 100 && this.asciiArg(a, len)) return
      const n = Buffer.byteLength(a, 'utf8')
      this.header(0x24, n)
      this.buf.write(a, this.at, 'utf8')
      this.at += n
    } else {
      this.reserve(a.length + 32)
      this.header(0x24, a.length)
      a.copy(this.buf, this.at)
      this.at += a.length
    }
    const b = this.buf
    b[this.at++] = 0x0d
    b[this.at++] = 0x0a
  }

  /** The bytes written so far (a copy-free view of a buffer this writer no longer uses), and start afresh. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.at)
    // The next buffer is allocated when something is written.
    this.buf = EMPTY
    this.at = 0
    this.count = 0
    return out
  }

  /**
   * A short string written byte by byte when it is ASCII (most keys, fields
   * and numbers are): cheaper than a call into the runtime's encoder. Leaves
   * nothing written and answers false at the first non-ASCII character.
   * The caller has reserved room.
   */
  private asciiArg(a: string, len: number): boolean {
    const b = this.buf
    let at = this.at
    b[at++] = 0x24
    if (len < 10) b[at++] = 0x30 + len
    else {
      const tens = Math.floor(len / 10)
      b[at++] = 0x30 + tens
      b[at++] = 0x30 + len - tens * 10
    }
    b[at++] = 0x0d
    b[at++] = 0x0a
    for (let i = 0; i < len; i++) {
      const c = a.charCodeAt(i)
      if (c > 0x7f) return false
      b[at++] = c
    }
    b[at++] = 0x0d
    b[at++] = 0x0a
    this.at = at
    return true
  }

  private header(marker: number, n: number): void {
    this.reserve(24)
    const b = this.buf
    b[this.at++] = marker
    if (n < 10) {
      b[this.at++] = 0x30 + n
    } else {
      // Digits right to left, straight into the buffer.
      let digits = 1
      for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++
      let at = this.at + digits
      this.at = at
      for (let x = n; ; ) {
        const q = Math.floor(x / 10)
        b[--at] = 0x30 + (x - q * 10)
        if (q === 0) break
        x = q
      }
    }
    b[this.at++] = 0x0d
    b[this.at++] = 0x0a
  }

  private reserve(n: number): void {
    if (this.at + n <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n, 1 << 16))
    this.buf.copy(next, 0, 0, this.at)
    this.buf = next
  }
}
