/**
 * This project's Aedes persistence against aedes-persistence-redis, in one
 * run against one redis-server: storeRetained, outgoingEnqueueCombi,
 * addSubscriptions and subscriptionsByTopic called directly (N calls each,
 * 1000 in flight), then an Aedes broker with each persistence in turn and
 * 100 mqtt.js clients publishing QoS 1. Ours runs twice: without a durable
 * log, and with one in a temporary directory (durability 'batch', an fsync
 * per batch). Redis is flushed between contenders, so each starts empty.
 * The end-to-end run also has Aedes' memory persistence, which writes
 * nothing anywhere: the ceiling of what any persistence can show there. It
 * runs in rounds (5 by default), the contenders' order reversed every other
 * round, and shows medians: a ratio is taken within a round. The per-call
 * runs go in rounds the same way (3 by default).
 *
 * Usage:
 *   npm run build && node --max-semi-space-size=64 dist/bench/aedes-persistence.js
 *     [--calls N] [--inflight N] [--subs K] [--messages N] [--rounds R] [--call-rounds R] [--only peer,ours,ours+log,memory] [--skip-calls] [--skip-e2e]
 */
import { Redis } from 'ioredis'
import { startEmbeddedRedis } from '../src/redis/embedded.js'
import {
  contenders, fakeBroker, flag, flushAll, fmtInt, inFlight, numberArg, OURS_PREFIX, payloadOf, PEER_DB, printTable, selected,
  type BenchPersistence, type BenchSub, type Contender, type ContenderName,
} from './aedes/common.js'
import { runE2e } from './aedes/e2e.js'

const CALLS = numberArg('calls', 20_000)
const IN_FLIGHT = numberArg('inflight', 1000)
const SUBS_PER_ENQUEUE = numberArg('subs', 1)
const MESSAGES = numberArg('messages', 40_000)
const ROUNDS = numberArg('rounds', 5)
const CALL_ROUNDS = numberArg('call-rounds', 3)
const PUBLISHERS = 100
const WINDOW = 10
const PAYLOAD = payloadOf(32)
const TARGET_CALLS = 3
const TARGET_E2E = 1.5

const OPS = ['storeRetained', 'outgoingEnqueueCombi', 'addSubscriptions', 'subscriptionsByTopic'] as const
type Op = (typeof OPS)[number]

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** Each round's rate over the peer's in the same round. */
function roundRatios(xs: readonly number[] | undefined, peer: readonly number[] | undefined): number[] {
  if (xs === undefined || peer === undefined) return []
  return xs.flatMap((x, i) => (peer[i] ? [x / (peer[i] as number)] : []))
}

function fmtRatios(rs: readonly number[]): string {
  if (rs.length === 0) return '-'
  if (rs.length === 1) return `${(rs[0] as number).toFixed(2)}x`
  return `${median(rs).toFixed(2)}x [${Math.min(...rs).toFixed(2)} - ${Math.max(...rs).toFixed(2)}]`
}

interface OpResult {
  readonly perSecond: number
  /** Redis commands and Redis main-thread CPU microseconds per call. */
  readonly commandsPerCall: number
  readonly redisUsPerCall: number
}

/** The calls of one operation; `tag` keeps warm-up keys apart from measured ones. */
function opCall(op: Op, p: BenchPersistence, tag: string, counter: { n: number }): (i: number) => Promise<unknown> {
  switch (op) {
    case 'storeRetained':
      return (i) => p.storeRetained({ cmd: 'publish', topic: `bench/${tag}retained/${i}`, payload: PAYLOAD, qos: 0, retain: true, dup: false })
    case 'outgoingEnqueueCombi':
      return (i) => {
        const subs: BenchSub[] = []
        for (let j = 0; j < SUBS_PER_ENQUEUE; j++) subs.push({ clientId: `q${(i * SUBS_PER_ENQUEUE + j) % 1000}`, topic: 'bench/q/#', qos: 1 })
        const packet = { cmd: 'publish', topic: `bench/q/${i % 100}`, payload: PAYLOAD, qos: 1, retain: false, dup: false, brokerId: 'bench-broker', brokerCounter: ++counter.n }
        return p.outgoingEnqueueCombi(subs, packet)
      }
    case 'addSubscriptions':
      return (i) => p.addSubscriptions({ id: `${tag}s${i}` }, [{ topic: `bench/sub/${tag}${i}`, qos: 1, rh: 0, rap: false, nl: false }])
    case 'subscriptionsByTopic':
      return async (i) => {
        const found = await p.subscriptionsByTopic(`bench/sub/${tag}${i}`)
        if (found.length !== 1) throw new Error(`subscriptionsByTopic(bench/sub/${tag}${i}) found ${found.length} subscriptions, expected 1`)
      }
  }
}

/**
 * Commands Redis executed (a Lua script's own commands included; MULTI and
 * EXEC not) and the CPU time of Redis' main thread, in microseconds. The
 * CPU time, not commandstats' usec, because EXEC's and EVALSHA's usec
 * already include the commands they ran.
 */
async function redisWork(admin: Redis): Promise<{ calls: number; cpuUs: number }> {
  const text = await admin.info('all')
  let calls = 0
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (['info', 'config|resetstat', 'multi', 'exec'].includes(m[1] ?? '')) continue
    calls += Number(m[2])
  }
  const cpu = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)?.[1] ?? NaN)
  return { calls, cpuUs: (cpu('used_cpu_user_main_thread') + cpu('used_cpu_sys_main_thread')) * 1e6 }
}

async function runCalls(c: Contender, admin: Redis): Promise<Map<Op, OpResult>> {
  const p = c.make()
  await p.setup(fakeBroker('bench-broker'))
  const counter = { n: 0 }
  const out = new Map<Op, OpResult>()
  const warm = Math.min(2000, Math.ceil(CALLS / 10))
  try {
    for (const op of OPS) {
      // Warm-up: the same calls on other keys (subscriptionsByTopic reads the warm-up subscriptions).
      await inFlight(warm, IN_FLIGHT, opCall(op, p, 'w', counter))
      await admin.config('RESETSTAT')
      const before = await redisWork(admin)
      const ms = await inFlight(CALLS, IN_FLIGHT, opCall(op, p, '', counter))
      const after = await redisWork(admin)
      out.set(op, { perSecond: (CALLS / ms) * 1000, commandsPerCall: after.calls / CALLS, redisUsPerCall: (after.cpuUs - before.cpuUs) / CALLS })
      console.error(`  ${c.name} ${op}: ${fmtInt((CALLS / ms) * 1000)} calls/s`)
    }
    const counts = await p.countOffline()
    const expected = warm + CALLS
    if (counts.clientsCount < expected) throw new Error(`${c.name}: countOffline says ${counts.clientsCount} clients, expected at least ${expected}`)
  } finally {
    await p.destroy()
  }
  return out
}

async function queuedFor(port: number, name: ContenderName, clientId: string): Promise<number> {
  const r = new Redis({ host: '127.0.0.1', port, db: name === 'peer' ? PEER_DB : 0 })
  try {
    return name === 'peer' ? await r.llen(`outgoing:${encodeURIComponent(clientId)}`) : await r.zcard(`${OURS_PREFIX}session:out:${clientId}`)
  } finally {
    r.disconnect()
  }
}

async function main(): Promise<void> {
  const redis = await startEmbeddedRedis()
  const admin = new Redis({ host: '127.0.0.1', port: redis.port })
  const all = contenders(redis.port)
  const chosen = selected(all)
  console.log(`redis-server on port ${redis.port}; node ${process.version}; ${CALLS} calls per operation, ${IN_FLIGHT} in flight; ${SUBS_PER_ENQUEUE} subscription(s) per outgoingEnqueueCombi`)
  try {
    // Aedes' memory persistence is the end-to-end run's ceiling only: its calls write nothing anywhere.
    const callers = chosen.filter((c) => c.name !== 'memory')
    if (!flag('skip-calls')) {
      // Rounds, as for the end-to-end run below: each round's ratio, the median shown.
      const rounds = new Map<ContenderName, Array<Map<Op, OpResult>>>()
      for (let round = 0; round < CALL_ROUNDS; round++) {
        for (const c of round % 2 === 0 ? callers : [...callers].reverse()) {
          await flushAll(redis.port)
          rounds.set(c.name, [...(rounds.get(c.name) ?? []), await runCalls(c, admin)])
          c.cleanup()
        }
      }
      const ratesOf = (name: ContenderName, op: Op): number[] | undefined => rounds.get(name)?.map((r) => r.get(op)?.perSecond ?? 0)
      const mid = (xs: readonly number[] | undefined): string => (xs === undefined ? '-' : fmtInt(median(xs)))
      console.log(`\nPersistence calls (calls/s; ${CALL_ROUNDS} rounds, medians; ratios: median of the rounds' ratios, [lowest - highest])\n`)
      printTable(
        ['operation', 'aedes-persistence-redis', 'ours, no log', 'ratio', "ours, log 'batch'", 'ratio', `target ${TARGET_CALLS}x (no log)`],
        OPS.map((op) => {
          const pr = ratesOf('peer', op)
          const o = ratesOf('ours', op)
          const l = ratesOf('ours+log', op)
          const ratios = roundRatios(o, pr)
          const met = ratios.length > 0 ? (median(ratios) >= TARGET_CALLS ? 'met' : 'not met') : '-'
          return [op, mid(pr), mid(o), fmtRatios(ratios), mid(l), fmtRatios(roundRatios(l, pr)), met]
        }),
      )
      console.log('\nRedis side per call (medians): commands executed (a Lua script\'s own included), main-thread CPU microseconds\n')
      const perCall = (name: ContenderName, op: Op, pick: (r: OpResult) => number): string => median(rounds.get(name)?.map((r) => { const x = r.get(op); return x ? pick(x) : 0 }) ?? [0]).toFixed(1)
      printTable(
        ['operation', ...callers.map((c) => `${c.label}: cmds`), ...callers.map((c) => `${c.label}: us`)],
        OPS.map((op) => [
          op,
          ...callers.map((c) => perCall(c.name, op, (r) => r.commandsPerCall)),
          ...callers.map((c) => perCall(c.name, op, (r) => r.redisUsPerCall)),
        ]),
      )
    }

    if (!flag('skip-e2e')) {
      const rows: string[][] = []
      for (const offlineSubscriber of [false, true]) {
        // Rounds, the contenders' order reversed every other round: this machine's speed drifts over
        // seconds, so a ratio is taken within a round (contenders a few seconds apart) and the median shown.
        const acks = new Map<ContenderName, number[]>()
        const handled = new Map<ContenderName, number[]>()
        for (let round = 0; round < ROUNDS; round++) {
          for (const c of round % 2 === 0 ? chosen : [...chosen].reverse()) {
            await flushAll(redis.port)
            const r = await runE2e(
              c.make(),
              { messages: MESSAGES, warmup: Math.min(5000, Math.ceil(MESSAGES / 4)), clients: PUBLISHERS, window: WINDOW, payloadBytes: 32, offlineSubscriber },
              c.name === 'memory' ? null : () => queuedFor(redis.port, c.name, 'bench-offline-sub'),
            )
            c.cleanup()
            acks.set(c.name, [...(acks.get(c.name) ?? []), r.acksPerSecond])
            handled.set(c.name, [...(handled.get(c.name) ?? []), r.handledPerSecond])
            if (r.queued !== null && r.queued !== r.messages) throw new Error(`${c.name}: ${r.queued} packets queued for the offline session, expected ${r.messages}`)
            console.error(
              `  e2e round ${round + 1} ${offlineSubscriber ? '+offline session ' : ''}${c.name}: ${fmtInt(r.acksPerSecond)} PUBACKs/s, ${fmtInt(r.handledPerSecond)} handled/s ` +
                `(${r.messages} messages, last PUBACK ${Math.round(r.ackMs)} ms, all handled ${Math.round(r.handledMs)} ms)`,
            )
          }
        }
        const run = offlineSubscriber ? 'every message queued for 1 offline session' : 'no offline sessions'
        for (const [clock, rates] of [['PUBACKs/s', acks], ['handled/s', handled]] as const) {
          const pr = rates.get('peer')
          const o = rates.get('ours')
          const l = rates.get('ours+log')
          const m = rates.get('memory')
          const mid = (xs: readonly number[] | undefined): string => (xs === undefined ? '-' : fmtInt(median(xs)))
          const oRatio = roundRatios(o, pr)
          rows.push([
            run, clock,
            mid(pr), mid(o), fmtRatios(oRatio), mid(l), fmtRatios(roundRatios(l, pr)),
            oRatio.length > 0 ? (median(oRatio) >= TARGET_E2E ? 'met' : 'not met') : '-',
            mid(m), fmtRatios(roundRatios(m, pr)),
          ])
        }
      }
      console.log(`\nEnd to end: Aedes, ${PUBLISHERS} mqtt.js clients, ${MESSAGES} QoS 1 messages, ${WINDOW} in flight per client; ${ROUNDS} rounds, medians (ratios: median of the rounds' ratios, [lowest - highest])\n`)
      printTable(['run', 'rate', 'aedes-persistence-redis', 'ours, no log', 'ratio', "ours, log 'batch'", 'ratio', `target ${TARGET_E2E}x (no log)`, 'ceiling: memory persistence', 'ceiling ratio'], rows)
      console.log('\nThe ceiling is Aedes\' own memory persistence (nothing written anywhere): no persistence can make this broker and these clients go faster, so its ratio to the peer is the most any persistence can show here.')
    }
  } finally {
    admin.disconnect()
    await redis.stop()
    for (const c of all) c.cleanup()
  }
}

await main()
