/**
 * The crash test's publisher (client-store-publisher.ts) as a child process:
 * run from the TypeScript source by vite-node (which vitest brings), so it
 * needs no build step, and driven line by line over stdin/stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const VITE_NODE = fileURLToPath(new URL('../../node_modules/vite-node/vite-node.mjs', import.meta.url))
const SCRIPT = fileURLToPath(new URL('./client-store-publisher.ts', import.meta.url))

const alive = new Set<ChildProcess>()
process.once('exit', () => {
  for (const c of alive) c.kill('SIGKILL')
})

export interface PublisherConfig {
  readonly broker: string
  readonly redis: string
  readonly clientId: string
  readonly serverUri: string
  readonly publish: ReadonlyArray<{ readonly qos: 1 | 2; readonly n: number }>
}

export interface Publisher {
  /** Every line it printed so far. */
  readonly lines: readonly string[]
  /** Resolves once every line in `expected` has been printed (in any order), or rejects after `timeoutMs` saying which are missing. */
  waitForLines(expected: readonly string[], timeoutMs?: number): Promise<void>
  send(line: string): void
  kill(signal: NodeJS.Signals): Promise<void>
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>
}

export function startPublisher(config: PublisherConfig): Publisher {
  const child = spawn(process.execPath, [VITE_NODE, SCRIPT, JSON.stringify(config)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] })
  alive.add(child)
  const lines: string[] = []
  const events = new EventEmitter()
  let partial = ''
  let stderr = ''
  child.stdout.on('data', (b: Buffer) => {
    const parts = (partial + b.toString()).split('\n')
    partial = parts.pop() ?? ''
    lines.push(...parts)
    events.emit('line')
  })
  child.stderr.on('data', (b: Buffer) => void (stderr += b.toString()))
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      alive.delete(child)
      events.emit('line')
      resolve(code)
    }),
  )
  return {
    lines,
    waitForLines(expected, timeoutMs = 15_000) {
      const missing = (): string[] => {
        const seen = new Set(lines)
        return expected.filter((l) => !seen.has(l))
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs)
        const fail = (why: string): void => {
          clearTimeout(timer)
          events.off('line', check)
          reject(new Error(`publisher: ${why}; missing ${JSON.stringify(missing().slice(0, 10))}\nstdout: ${lines.slice(-20).join(' | ')}\nstderr: ${stderr.slice(-2000)}`))
        }
        const check = (): void => {
          if (missing().length === 0) {
            clearTimeout(timer)
            events.off('line', check)
            resolve()
          } else if (child.exitCode !== null || child.signalCode !== null) fail('exited')
        }
        events.on('line', check)
        check()
      })
    },
    send(line) {
      child.stdin.write(`${line}\n`)
    },
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      await exited
    },
    exited,
  }
}
