/**
 * Is a process with this pid running? (Signal 0 checks without sending; EPERM means it runs as another user.)
 *
 * @example
 * processAlive(process.pid) // true
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}
