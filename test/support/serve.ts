/**
 * `mqtt-redis serve` as a real child process, the way a user runs it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../src/redis/embedded.js'

export const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url))

// A test that fails before it stops its server must not leave the server running:
// whatever is still alive when the test process exits is killed.
const alive = new Set<ChildProcess>()
process.once('exit', () => {
  for (const c of alive) c.kill('SIGKILL')
})

export interface Served {
  readonly port: number
  readonly child: ChildProcess
  /** Everything the process printed so far. */
  output(): string
  /** Send a signal and wait for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

export interface StartServeOptions {
  /** Leave --http out (serve then takes 8080, or a free port): only for the test of that default. */
  readonly defaultHttp?: boolean
}

export async function startServe(args: readonly string[], env: NodeJS.ProcessEnv = process.env, opts: StartServeOptions = {}): Promise<Served> {
  const port = await freePort()
  // Each server its own data directory (event log), unless the test names one.
  const own = args.includes('--data') ? null : mkdtempSync(join(tmpdir(), 'mqtt-redis-serve-'))
  const data = own ? ['--data', own] : []
  // No HTTP side unless the test asks for one: serves of parallel test files must not race for 8080.
  const http = args.includes('--http') || opts.defaultHttp ? [] : ['--http', '0']
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), ...http, ...data, ...args], { env: { ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout?.on('data', (b: Buffer) => void (out += b.toString()))
  child.stderr?.on('data', (b: Buffer) => void (out += b.toString()))
  alive.add(child)
  const exited = new Promise<number | null>((r) =>
    child.once('exit', (code) => {
      alive.delete(child)
      r(code)
    }),
  )
  await new Promise<void>((resolve, reject) => {
    // Fail with what serve printed, before the test's own timeout hides it.
    const started = Date.now()
    const t = setInterval(() => {
      if (out.includes('MQTT broker listening')) {
        clearInterval(t)
        resolve()
      } else if (Date.now() - started > 20_000) {
        clearInterval(t)
        child.kill('SIGKILL')
        reject(new Error(`serve did not listen within 20 s:\n${out}`))
      }
    }, 20)
    void exited.then((code) => {
      clearInterval(t)
      reject(new Error(`serve exited (${code}) before listening:\n${out}`))
    })
  })
  return {
    port,
    child,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      const slow = setTimeout(() => process.stderr.write(`serve (pid ${child.pid}) has not exited 15 s after ${signal}; it printed:\n${out}\n`), 15_000)
      const code = await exited.finally(() => clearTimeout(slow))
      if (own) rmSync(own, { recursive: true, force: true })
      return code
    },
  }
}

/** Run a command to its end (or until `timeoutMs`), returning what it printed. */
export function run(cmd: string, args: readonly string[], timeoutMs = 10_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (b: Buffer) => void (stdout += b.toString()))
    child.stderr.on('data', (b: Buffer) => void (stderr += b.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('error', reject)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Poll until `check` passes (a real broker and Redis settle asynchronously). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const start = Date.now()
  let lastErr: unknown
  for (;;) {
    try {
      return await check()
    } catch (err) {
      lastErr = err
      if (Date.now() - start > timeoutMs) throw lastErr
      await new Promise((r) => setTimeout(r, 25))
    }
  }
}
