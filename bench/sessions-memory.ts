/**
 * Heap per session held by SessionActors, after a forced GC, actor included:
 * (a) online sessions (a connect and a subscribe each);
 * (b) offline sessions (a connect and a disconnect each), with passivation
 *     on (idle actors stopped, only their seq kept) and off (every actor
 *     live);
 * and, for reference, the floor any registry of these sessions pays: a
 * Map<clientId, seq> with the same keys. Each scenario runs in its own child
 * process, so one's garbage and code do not count in another's.
 * Also times a step that rehydrates a passivated session against a step on a
 * live one.
 *
 * Usage: npm run build && node --expose-gc dist/bench/sessions-memory.js
 *   [--online N] [--offline N] [--offline-off N] [--profile]
 * --profile: a heap snapshot of 20,000 online sessions, summarised per
 * session by constructor (what holds the memory).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import v8 from 'node:v8'
import { SessionActors } from '../src/engine/actors.js'
import type { InputEvent } from '../src/events/input.js'

type Scenario = 'online' | 'offline-on' | 'offline-off' | 'map-floor' | 'profile'

interface Result {
  readonly scenario: Scenario
  readonly sessions: number
  readonly live: number
  readonly passivated: number
  readonly bytesPerSession: number
  readonly buildSec: number
  /** Microseconds per connect step on a session of this scenario (rehydrating one when passivated). */
  readonly wakeStepUs: number | null
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name)
  const v = i > 0 ? Number(process.argv[i + 1]) : fallback
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback
}

function gcNow(): void {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('run with node --expose-gc')
  gc()
  gc()
}

/** A flat string, as a clientId decoded from a CONNECT packet is (a concatenation would be a rope, with its parts). */
const id = (i: number): string => Buffer.from(`client-${String(i).padStart(7, '0')}`, 'latin1').toString('latin1')
const connectOf = (clientId: string, connectionId: string, at: number): InputEvent => ({
  type: 'mqtt.connect', clientId, connectionId, at, username: 'user', cleanStart: false, protocolVersion: 5,
})
const disconnectOf = (clientId: string, connectionId: string, at: number): InputEvent => ({
  type: 'mqtt.disconnect', clientId, connectionId, at, reason: 'normal',
})
const subscribeOf = (clientId: string, filter: string, at: number): InputEvent => ({
  type: 'mqtt.subscribe', clientId, filter, qos: 1, at, options: { nl: false, rap: false, rh: 0 }, resubscribe: false,
})

/** Let the code of a few thousand sessions be compiled before the baseline, so it does not count per session. */
function warmUp(): void {
  const a = new SessionActors('warm', undefined, undefined, { idleMs: 0 })
  for (let i = 0; i < 5000; i++) {
    const c = `warm-${i}`
    a.step(connectOf(c, `k-${i}`, 1))
    a.step(subscribeOf(c, 'devices/x/cmd', 1))
    a.step(disconnectOf(c, `k-${i}`, 2))
    a.step(connectOf(c, `k2-${i}`, 3))
    a.step(disconnectOf(c, `k2-${i}`, 4))
  }
  a.passivateIdle()
  a.stopAll()
}

/** Microseconds per connect step over the first `n` sessions (each is then online). */
function timeConnects(actors: SessionActors, n: number): number {
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) actors.step(connectOf(id(i), `k2-${i}`, 10))
  return Number(process.hrtime.bigint() - t0) / 1000 / n
}

function run(scenario: Scenario, n: number): Result {
  warmUp()
  gcNow()
  const base = process.memoryUsage().heapUsed
  const t = { now: 1_000_000 }
  const clock = (): number => t.now
  const t0 = process.hrtime.bigint()
  let keep: SessionActors | Map<string, number>
  let live = 0
  let passivated = 0
  if (scenario === 'map-floor') {
    const m = new Map<string, number>()
    for (let i = 0; i < n; i++) m.set(id(i), 2)
    keep = m
  } else {
    const actors = new SessionActors('node-1', undefined, undefined, scenario === 'offline-off' ? false : { clock })
    for (let i = 0; i < n; i++) {
      const c = id(i)
      actors.step(connectOf(c, `conn-${i}`, 1))
      if (scenario === 'online' || scenario === 'profile') actors.step(subscribeOf(c, `devices/${i}/cmd`, 2))
      else actors.step(disconnectOf(c, `conn-${i}`, 2))
      if ((i & 1023) === 0) t.now += 1
    }
    t.now += 60_000
    actors.passivateIdle()
    keep = actors
    live = actors.size
    passivated = actors.passivated
  }
  const buildSec = Number(process.hrtime.bigint() - t0) / 1e9
  gcNow()
  const bytesPerSession = (process.memoryUsage().heapUsed - base) / n
  if (scenario === 'profile') profile(n)
  const wakeStepUs = keep instanceof SessionActors && scenario !== 'online' && scenario !== 'profile' ? timeConnects(keep, Math.min(n, 100_000)) : null
  if (keep instanceof SessionActors) keep.stopAll()
  return { scenario, sessions: n, live, passivated, bytesPerSession, buildSec, wakeStepUs }
}

/** A heap snapshot of what is live now, summed per constructor and divided by the sessions. */
function profile(n: number): void {
  const file = join(tmpdir(), `sessions-memory-${process.pid}.heapsnapshot`)
  v8.writeHeapSnapshot(file)
  interface HeapSnapshot {
    snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } }
    nodes: number[]
    strings: string[]
  }
  const snap = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot
  rmSync(file)
  const fields = snap.snapshot.meta.node_fields
  const types = snap.snapshot.meta.node_types[0]
  const [iType, iName, iSize] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')]
  const by = new Map<string, { count: number; bytes: number }>()
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + iType] ?? 0] ?? '?'
    const name = snap.strings[snap.nodes[i + iName] ?? 0] ?? '?'
    const key = type === 'object' ? name : type === 'closure' ? `closure ${name}` : type === 'array' || type === 'hidden' ? `(${type}) ${name}` : `(${type})`
    const e = by.get(key) ?? { count: 0, bytes: 0 }
    e.count += 1
    e.bytes += snap.nodes[i + iSize] ?? 0
    by.set(key, e)
  }
  const rows = [...by].map(([k, e]) => ({ k, count: e.count / n, bytes: e.bytes / n })).filter((r) => r.count >= 0.5).sort((a, b) => b.bytes - a.bytes)
  process.stderr.write(`heap per online session by constructor (${n} sessions; rows with at least one per two sessions)\n`)
  process.stderr.write(`${'bytes'.padStart(8)} ${'count'.padStart(6)}  constructor\n`)
  for (const r of rows) process.stderr.write(`${r.bytes.toFixed(0).padStart(8)} ${r.count.toFixed(2).padStart(6)}  ${r.k}\n`)
  process.stderr.write(`${rows.reduce((s, r) => s + r.bytes, 0).toFixed(0).padStart(8)}         total of these rows\n`)
}

function child(scenario: Scenario, n: number): Result {
  const self = fileURLToPath(import.meta.url)
  const out = execFileSync(process.execPath, ['--expose-gc', self, '--child', scenario, '--n', String(n)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 })
  return JSON.parse(out.trim().split('\n').pop() ?? '') as Result
}

function main(): void {
  const ci = process.argv.indexOf('--child')
  if (ci > 0) {
    const r = run(process.argv[ci + 1] as Scenario, arg('--n', 1000))
    process.stdout.write(`${JSON.stringify(r)}\n`)
    return
  }
  gcNow()
  const online = arg('--online', 100_000)
  const offline = arg('--offline', 1_000_000)
  // Every actor live costs about 5 KB: a million of them needs more than the default heap limit of some machines.
  const limit = v8.getHeapStatistics().heap_size_limit
  const offlineOff = arg('--offline-off', limit > 1_000_000 * 5000 * 1.5 ? 1_000_000 : 250_000)
  if (process.argv.includes('--profile')) {
    child('profile', 20_000)
    return
  }
  const results = [
    child('online', online),
    child('offline-on', offline),
    child('offline-off', offlineOff),
    child('map-floor', offline),
  ]
  const what: Record<Scenario, string> = {
    'online': 'online (connect + subscribe)',
    'offline-on': 'offline, passivation on',
    'offline-off': 'offline, passivation off',
    'map-floor': 'floor: Map<clientId, seq> alone',
    'profile': 'profile',
  }
  console.log(`node ${process.version}, heap limit ${(limit / 2 ** 30).toFixed(1)} GiB`)
  console.log('| sessions | scenario | live actors | passivated | heap per session | build, s | connect step, us |')
  console.log('|---|---|---|---|---|---|---|')
  for (const r of results) {
    const step = r.wakeStepUs === null ? '-' : r.wakeStepUs.toFixed(2)
    console.log(`| ${r.sessions.toLocaleString('en-US')} | ${what[r.scenario]} | ${r.live.toLocaleString('en-US')} | ${r.passivated.toLocaleString('en-US')} | ${Math.round(r.bytesPerSession).toLocaleString('en-US')} B | ${r.buildSec.toFixed(1)} | ${step} |`)
  }
}

main()
