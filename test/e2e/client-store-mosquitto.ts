/**
 * A mosquitto broker (Debian's package) as a child process on a free port,
 * with a config of its own: anonymous clients, sessions kept in memory only.
 * A broker that is not this project's code, so a crash test of the client
 * store measures the store, not our own broker.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { freePort } from '../../src/redis/embedded.js'

export interface Mosquitto {
  readonly port: number
  readonly url: string
  output(): string
  stop(): Promise<void>
}

const alive = new Set<ChildProcess>()
process.once('exit', () => {
  for (const c of alive) c.kill('SIGKILL')
})

/** mosquitto on PATH or in /usr/sbin (where Debian puts it, often not on a user's PATH). */
export function findMosquitto(): string | null {
  for (const dir of [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin']) {
    if (dir && existsSync(join(dir, 'mosquitto'))) return join(dir, 'mosquitto')
  }
  return null
}

export async function startMosquitto(): Promise<Mosquitto> {
  const bin = findMosquitto()
  if (!bin) throw new Error('no mosquitto binary found: install it (Debian/Ubuntu: `sudo apt-get install mosquitto`)')
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'client-store-mosquitto-'))
  const conf = join(dir, 'mosquitto.conf')
  // stderr, not stdout: mosquitto buffers stdout when it is a pipe. 'information' carries the "running" line.
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', 'log_type notice', 'log_type information', ''].join('\n'))
  const child = spawn(bin, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] })
  alive.add(child)
  let out = ''
  child.stdout.on('data', (b: Buffer) => void (out += b.toString()))
  child.stderr.on('data', (b: Buffer) => void (out += b.toString()))
  const exited = new Promise<void>((r) =>
    child.once('exit', () => {
      alive.delete(child)
      r()
    }),
  )
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`mosquitto was not running after 10 s:\n${out}`)), 10_000)
      const check = (): void => {
        if (!/mosquitto version \S+ running/.test(out)) return
        clearTimeout(timer)
        child.stderr.off('data', check)
        resolve()
      }
      child.stderr.on('data', check)
      child.once('error', reject)
      void exited.then(() => reject(new Error(`mosquitto exited before it was running:\n${out}`)))
    })
  } catch (err) {
    // Never leave a half-started broker behind a failed test.
    child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
