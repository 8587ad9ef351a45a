/**
 * One writer per log directory, across processes: a `LOCK` file holding the
 * writer's pid, created exclusively. Two processes appending to one log
 * would interleave their records and corrupt it (positions out of order), so
 * the second one is refused. A lock left by a process that no longer runs
 * (a crash, SIGKILL) is taken over.
 */
import { mkdir, open, readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { processAlive } from '../util/process-alive.js'

export class LogLockedError extends Error {
  override readonly name = 'LogLockedError'
  constructor(readonly dir: string, readonly pid: number) {
    super(`the event log in ${dir} is in use by process ${pid}; stop it, or give this process another --data or --log-dir`)
  }
}

/** Take the directory's lock; resolves to the function that releases it. */
export async function lockDir(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true })
  const path = join(dir, 'LOCK')
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx')
      await fh.writeFile(String(process.pid))
      await fh.close()
      return () => unlink(path).catch(() => undefined)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim())
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) throw new LogLockedError(dir, pid)
      await unlink(path).catch(() => undefined) // stale: its writer is gone
    }
  }
  throw new Error(`could not take the lock of the event log in ${dir}`)
}
