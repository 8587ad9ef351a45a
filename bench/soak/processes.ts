/**
 * The soak's child processes and files: `mqtt-redis serve` from dist, the
 * way a user runs it, and where the compiled worker thread is.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The package root: the nearest folder above this file with a package.json (from bench/soak or dist/bench/soak). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir
    const up = dirname(dir)
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`)
    dir = up
  }
}

/**
 * The worker thread's script: beside this file once compiled; when this file
 * runs from its TypeScript source (vitest), the compiled one in dist, which
 * `npm test` builds first (as the e2e tests use dist/src/cli/main.js).
 */
export function workerScript(): string {
  const here = fileURLToPath(import.meta.url)
  const file = here.endsWith('.ts') ? join(projectRoot(), 'dist', 'bench', 'soak', 'worker.js') : join(dirname(here), 'worker.js')
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`)
  return file
}

export interface ServeProcess {
  readonly child: ChildProcess
  readonly pid: number
  /** The last 64 KiB of what it printed. */
  output(): string
  /** Log lines at level warn or above so far. */
  warnings(): number
  /** The distinct messages of those lines (the first 10), each with its count. */
  warningMessages(): ReadonlyMap<string, number>
  /** SIGTERM (SIGKILL after `graceMs`), resolving with the exit code (null when killed by a signal). */
  stop(graceMs?: number): Promise<number | null>
}

const KEEP = 64 * 1024

/** Start `mqtt-redis serve` on 127.0.0.1:`port` and resolve once it listens. */
export async function startServeProcess(args: { port: number; redisUrl: string; dataDir: string; node: string }, timeoutMs = 60_000): Promise<ServeProcess> {
  const cli = join(projectRoot(), 'dist', 'src', 'cli', 'main.js')
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`)
  const argv = ['--max-semi-space-size=64', cli, 'serve', '--port', String(args.port), '--host', '127.0.0.1', '--redis', args.redisUrl, '--data', args.dataDir, '--http', '0', '--node', args.node]
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info' }
  delete env['REDIS_URL']
  const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let partial = ''
  let warnings = 0
  const messages = new Map<string, number>()
  let listening = false
  const onLine = (line: string): void => {
    if (!line.startsWith('{')) return
    try {
      const entry: unknown = JSON.parse(line)
      if (typeof entry !== 'object' || entry === null) return
      const level = Reflect.get(entry, 'level')
      if (typeof level !== 'number' || level < 40) return
      warnings++
      const msg = String(Reflect.get(entry, 'msg'))
      if (messages.has(msg) || messages.size < 10) messages.set(msg, (messages.get(msg) ?? 0) + 1)
    } catch {
      // not a log line
    }
  }
  const onData = (b: Buffer): void => {
    const text = b.toString()
    out = (out + text).slice(-KEEP)
    const lines = (partial + text).split('\n')
    partial = lines.pop() ?? ''
    for (const l of lines) onLine(l)
    if (!listening && out.includes('MQTT broker listening')) listening = true
  }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', onData)
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  let exitCode: number | null | undefined
  void exited.then((c) => void (exitCode = c))
  const started = Date.now()
  await new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (listening) {
        clearInterval(t)
        resolve()
      } else if (exitCode !== undefined || Date.now() - started > timeoutMs) {
        clearInterval(t)
        if (exitCode === undefined) child.kill('SIGKILL')
        reject(new Error(`serve did not start listening (${exitCode === undefined ? 'timeout' : `exit code ${exitCode}`}):\n${out.slice(-4000)}`))
      }
    }, 20)
  })
  return {
    child,
    pid: child.pid as number,
    output: () => out,
    warnings: () => warnings,
    warningMessages: () => messages,
    async stop(graceMs = 60_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      const code = await exited
      clearTimeout(timer)
      return code
    },
  }
}
