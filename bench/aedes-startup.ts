/**
 * Startup with stored sessions: N persistent sessions' subscriptions are
 * loaded into both stores (bench/aedes/bulk-load.ts; not timed), then, for
 * each persistence, the time from its construction to a ready Aedes broker
 * (Aedes.createBroker, which calls persistence.setup, and a TCP server
 * listening), and the time of the first subscriptionsByTopic calls after it.
 * At 1,000, 10,000 and 100,000 sessions, so the growth shows.
 * aedes-persistence-redis reads every stored subscription into its in-memory
 * trie at setup; ours answers subscriptionsByTopic from Redis-side indexes.
 * Ours without a log is "ready" before its Redis connection is up (the
 * engine has nothing to catch up on), so its first query pays for the
 * connection: compare "ready + first answer" too.
 *
 * Usage:
 *   npm run build && node --max-semi-space-size=64 --expose-gc dist/bench/aedes-startup.js
 *     [--clients 1000,10000,100000] [--repeat 3] [--only peer,ours] [--own-wildcard]
 * With --expose-gc the table also shows the heap the ready broker holds.
 * --own-wildcard gives every session a wildcard filter of its own
 * (`dev/<id>/+` instead of `dev/<id>/cmd`): ours reads the whole index of
 * wildcard filters on every subscriptionsByTopic, so this shows that cost.
 */
import { Aedes } from 'aedes'
import { createServer, type AddressInfo } from 'node:net'
import { startEmbeddedRedis } from '../src/redis/embedded.js'
import { loadOurs, loadPeer, GROUPS } from './aedes/bulk-load.js'
import { contenders, elapsedMs, flag, flushAll, fmtInt, numberArg, printTable, stringArg, type BenchPersistence, type Contender, type ContenderName } from './aedes/common.js'

const SIZES = (stringArg('clients') ?? '1000,10000,100000').split(',').map(Number)
const REPEAT = numberArg('repeat', 3)
const BROKER_ID = 'bench-startup'
const OWN_WILDCARD = flag('own-wildcard')

interface Sample {
  readonly readyMs: number
  readonly firstQueryMs: number
  readonly groupQueryMs: number
  /** Heap held by the ready broker and its persistence, MiB (null without --expose-gc). */
  readonly heapMiB: number | null
}

function gc(): boolean {
  const g = (globalThis as { gc?: () => void }).gc
  if (!g) return false
  g()
  g()
  return true
}

async function startOnce(c: Contender, clients: number): Promise<Sample> {
  const hasGc = gc()
  const heap0 = process.memoryUsage().heapUsed
  const t0 = process.hrtime.bigint()
  const persistence: BenchPersistence = c.make()
  const broker = await Aedes.createBroker({ id: BROKER_ID, persistence })
  const server = createServer(broker.handle)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const readyMs = elapsedMs(t0)
  try {
    if ((server.address() as AddressInfo).port <= 0) throw new Error('the server does not listen')
    const t1 = process.hrtime.bigint()
    const one = await persistence.subscriptionsByTopic(`dev/c${Math.floor(clients / 2)}/cmd`)
    const firstQueryMs = elapsedMs(t1)
    const t2 = process.hrtime.bigint()
    const group = await persistence.subscriptionsByTopic('group/7/status')
    const groupQueryMs = elapsedMs(t2)
    const expectedGroup = Math.floor(clients / GROUPS) + (clients % GROUPS > 7 ? 1 : 0)
    if (one.length !== 1 || group.length !== expectedGroup) {
      throw new Error(`${c.name}: subscriptionsByTopic found ${one.length} and ${group.length} subscriptions, expected 1 and ${expectedGroup}`)
    }
    const counts = await persistence.countOffline()
    if (counts.clientsCount !== clients || counts.subsCount !== 2 * clients) {
      throw new Error(`${c.name}: countOffline says ${counts.clientsCount} clients and ${counts.subsCount} subscriptions, expected ${clients} and ${2 * clients}`)
    }
    const heapMiB = hasGc && gc() ? (process.memoryUsage().heapUsed - heap0) / 2 ** 20 : null
    return { readyMs, firstQueryMs, groupQueryMs, heapMiB }
  } finally {
    await new Promise<void>((r) => broker.close(() => r()))
    await new Promise<void>((r) => server.close(() => r()))
    await persistence.destroy()
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor((s.length - 1) / 2)] ?? NaN
}

function fmtMs(ms: number): string {
  return ms >= 100 ? fmtInt(ms) : ms.toFixed(1)
}

async function main(): Promise<void> {
  const redis = await startEmbeddedRedis()
  const all = contenders(redis.port)
  const only = stringArg('only')?.split(',') ?? ['peer', 'ours']
  const chosen = all.filter((c) => only.includes(c.name))
  console.log(`redis-server on port ${redis.port}; node ${process.version}; each session has 2 QoS 1 subscriptions (${OWN_WILDCARD ? 'dev/<id>/+' : 'dev/<id>/cmd'}, group/<i % ${GROUPS}>/#); median of ${REPEAT} starts`)
  const rows: string[][] = []
  const ready = new Map<string, number>()
  try {
    for (const clients of SIZES) {
      await flushAll(redis.port)
      const tl = process.hrtime.bigint()
      if (chosen.some((c) => c.name !== 'peer')) await loadOurs(redis.port, clients, BROKER_ID, OWN_WILDCARD)
      if (chosen.some((c) => c.name === 'peer')) await loadPeer(redis.port, clients, OWN_WILDCARD)
      console.error(`  loaded ${clients} sessions into ${chosen.map((c) => c.name).join(', ')} in ${Math.round(elapsedMs(tl))} ms`)
      for (const c of chosen) {
        const samples: Sample[] = []
        for (let k = 0; k < REPEAT; k++) samples.push(await startOnce(c, clients))
        c.cleanup()
        const s = {
          readyMs: median(samples.map((x) => x.readyMs)),
          firstQueryMs: median(samples.map((x) => x.firstQueryMs)),
          groupQueryMs: median(samples.map((x) => x.groupQueryMs)),
          heapMiB: samples.every((x) => x.heapMiB !== null) ? median(samples.map((x) => x.heapMiB ?? 0)) : null,
        }
        const firstAnswerMs = median(samples.map((x) => x.readyMs + x.firstQueryMs))
        ready.set(`${c.name}@${clients}`, firstAnswerMs)
        console.error(`  ${c.name} @ ${clients}: ready ${samples.map((x) => Math.round(x.readyMs)).join(', ')} ms`)
        rows.push([
          fmtInt(clients), c.label, fmtMs(s.readyMs), fmtMs(s.firstQueryMs), fmtMs(firstAnswerMs), fmtMs(s.groupQueryMs), s.heapMiB === null ? '-' : s.heapMiB.toFixed(1),
        ])
      }
    }
  } finally {
    await redis.stop()
    for (const c of all) c.cleanup()
  }
  console.log('\nStartup with N stored persistent sessions (milliseconds, median)\n')
  printTable(['sessions', 'persistence', 'construction to ready broker', 'first subscriptionsByTopic (1 match)', 'ready + first answer', `then subscriptionsByTopic group/7/status (N/${GROUPS} matches)`, 'heap held, MiB'], rows)
  const names: ContenderName[] = ['peer', 'ours']
  if (names.every((n) => chosen.some((c) => c.name === n))) {
    console.log('\nConstruction to the first subscriptionsByTopic answer, ours against aedes-persistence-redis\n')
    printTable(['sessions', 'aedes-persistence-redis', 'ours', 'ours faster by'], SIZES.map((n) => {
      const p = ready.get(`peer@${n}`) ?? NaN
      const o = ready.get(`ours@${n}`) ?? NaN
      return [fmtInt(n), fmtMs(p), fmtMs(o), `${(p / o).toFixed(1)}x`]
    }))
  }
}

await main()
