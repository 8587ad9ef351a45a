/**
 * What bounds the number of loopback connections one soak can open: open
 * files (every connection is a socket in the soak process and another in
 * serve, which inherits the soak's limit), the ephemeral port range (every
 * connection to 127.0.0.1:<port> needs its own source port) and the
 * system-wide file table. The soak raises its own open-files limit first,
 * with prlimit(1): the soft limit up to the hard one, and, when the process
 * may (root), the hard one too, up to fs.nr_open.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

export interface Limits {
  /** Open files, soft and hard, after raising. */
  readonly nofileSoft: number
  readonly nofileHard: number
  /** What they were before, when raised. */
  readonly raisedFrom: { readonly soft: number; readonly hard: number } | null
  /** Why raising stopped short of what was wanted, if it did. */
  readonly raiseNote: string | null
  readonly portRange: readonly [number, number]
  readonly fileMax: number | null
  readonly somaxconn: number | null
  /** Connections the run can have: the request, or less. */
  readonly connections: number
  /** What capped `connections` below the request, null if nothing did. */
  readonly limitedBy: string | null
}

/** fds each process keeps beside its connections (Redis, log files, pipes, the runtime). */
const MARGIN = 512

function readNumber(path: string): number | null {
  try {
    const n = Number(readFileSync(path, 'utf8').trim().split(/\s+/)[0])
    return Number.isFinite(n) ? n : null
  } catch {
    return null
  }
}

function parseLimit(s: string): number {
  return s === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(s)
}

/** The open-files limit of a process, from /proc/<pid>/limits. */
export function readNofile(pid: number | 'self' = 'self'): { soft: number; hard: number } {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'))
  const m = line?.match(/^Max open files\s+(\S+)\s+(\S+)/)
  if (!m) throw new Error(`no "Max open files" in /proc/${pid}/limits`)
  return { soft: parseLimit(m[1] as string), hard: parseLimit(m[2] as string) }
}

function prlimit(soft: number, hard: number): boolean {
  const r = spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${soft}:${hard}`], { encoding: 'utf8' })
  return r.status === 0
}

/**
 * Raise this process' open-files limit towards `wanted` fds (children
 * started afterwards inherit it), then work out how many of `requested`
 * connections fit.
 */
export function prepareLimits(requested: number): Limits {
  const wanted = requested + MARGIN
  const before = readNofile()
  let raiseNote: string | null = null
  if (before.soft < wanted) {
    const nrOpen = readNumber('/proc/sys/fs/nr_open') ?? before.hard
    const hardTarget = Math.max(before.hard, Math.min(wanted, nrOpen))
    if (hardTarget > before.hard && prlimit(hardTarget, hardTarget)) {
      // raised both
    } else if (!prlimit(Math.min(wanted, before.hard), before.hard)) {
      raiseNote = 'prlimit(1) could not raise the open-files limit (is util-linux installed?)'
    } else if (wanted > before.hard) {
      raiseNote = `the hard open-files limit is ${before.hard} and this process may not raise it`
    }
  }
  const after = readNofile()
  const raised = after.soft !== before.soft || after.hard !== before.hard
  const [lo = 32768, hi = 60999] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
  const range: [number, number] = [lo, hi]
  const ports = hi - lo + 1
  const fileMax = readNumber('/proc/sys/fs/file-max')
  const caps: Array<[number, string]> = [
    [after.soft - MARGIN, `the open-files limit (${after.soft}${raiseNote ? `; ${raiseNote}` : ''})`],
    // A few hundred source ports are left for everything else on the machine.
    [ports - 1000, `the ephemeral port range ${range[0]}-${range[1]} (net.ipv4.ip_local_port_range)`],
  ]
  if (fileMax !== null) caps.push([Math.floor((fileMax - 10_000) / 2), `the system-wide file table (fs.file-max ${fileMax})`])
  let connections = requested
  let limitedBy: string | null = null
  for (const [cap, why] of caps) {
    if (cap < connections) {
      connections = Math.max(0, cap)
      limitedBy = why
    }
  }
  return {
    nofileSoft: after.soft,
    nofileHard: after.hard,
    raisedFrom: raised ? before : null,
    raiseNote,
    portRange: range,
    fileMax,
    somaxconn: readNumber('/proc/sys/net/core/somaxconn'),
    connections,
    limitedBy,
  }
}

/** VmRSS of a process in bytes, from /proc/<pid>/status; null once it is gone. */
export function rssOf(pid: number): number | null {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)\s+kB/m)
    return m ? Number(m[1]) * 1024 : null
  } catch {
    return null
  }
}
