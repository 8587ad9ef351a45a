/**
 * A local redis-server child process: the embedded default Redis of
 * `mqtt-redis serve`, and the real Redis every test file starts for itself.
 * Nothing is downloaded: the system's redis-server binary is used.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { delimiter, join, resolve } from 'node:path'

export class RedisServerNotFoundError extends Error {
  override readonly name = 'RedisServerNotFoundError'
  constructor() {
    super(
      'no redis-server binary was found on PATH. Install one (Debian/Ubuntu: `sudo apt-get install redis-server`, ' +
        'macOS: `brew install redis`), or point the engine at a running Redis with --redis URL or REDIS_URL.',
    )
  }
}

export interface EmbeddedRedisOptions {
  /** TCP port; 0 or absent picks a free one. */
  readonly port?: number
  /** Directory for its data files; absent means nothing is kept on disk. */
  readonly dir?: string
  /** Append-only persistence (only with `dir`). Default true when `dir` is given. */
  readonly appendOnly?: boolean
  /** Extra `--name value` arguments (e.g. cluster or replication settings). */
  readonly extraArgs?: readonly string[]
}

export interface EmbeddedRedis {
  readonly port: number
  readonly url: string
  readonly process: ChildProcess
  /** SIGTERM, and wait until it has exited. */
  stop(): Promise<void>
}

/** The redis-server binary on PATH, or null. */
export function findRedisServer(): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue
    const candidate = join(dir, 'redis-server')
    if (existsSync(candidate)) return candidate
  }
  return null
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', rej)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0
      srv.close(() => res(port))
    })
  })
}

/** Stop a redis-server left running by an earlier process that was killed (its pid file). */
function stopStale(pidFile: string): void {
  if (!existsSync(pidFile)) return
  const pid = Number(readFileSync(pidFile, 'utf8').trim())
  if (!Number.isInteger(pid) || pid <= 0) return
  const comm = spawnSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim()
  if (comm.startsWith('redis-server')) {
    try {
      process.kill(pid, 'SIGTERM')
    } catch {
      // already gone
    }
  }
  rmSync(pidFile, { force: true })
}

/**
 * Start redis-server on 127.0.0.1 and resolve once it accepts commands.
 *
 * @example
 * const r = await startEmbeddedRedis({ dir: './data/redis' })
 * // r.url === 'redis://127.0.0.1:<port>'
 * await r.stop()
 */
export async function startEmbeddedRedis(opts: EmbeddedRedisOptions = {}): Promise<EmbeddedRedis> {
  const bin = findRedisServer()
  if (!bin) throw new RedisServerNotFoundError()
  const port = opts.port && opts.port > 0 ? opts.port : await freePort()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--daemonize', 'no', '--protected-mode', 'yes']
  if (opts.dir) {
    const dir = resolve(opts.dir)
    mkdirSync(dir, { recursive: true })
    const pidFile = join(dir, 'redis.pid')
    stopStale(pidFile)
    args.push('--dir', dir, '--pidfile', pidFile, '--appendonly', opts.appendOnly === false ? 'no' : 'yes')
  } else {
    args.push('--appendonly', 'no')
  }
  args.push(...(opts.extraArgs ?? []))
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  await new Promise<void>((res, rej) => {
    const onData = (b: Buffer): void => {
      output += b.toString()
      if (output.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData)
        child.stdout?.resume()
        res()
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (b: Buffer) => void (output += b.toString()))
    child.once('error', rej)
    void exited.then((code) => rej(new Error(`redis-server exited with code ${code} before it was ready:\n${output.slice(-2000)}`)))
  })
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await exited
    },
  }
}
