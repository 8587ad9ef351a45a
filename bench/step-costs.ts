/**
 * Where an event's time goes: each stage of the engine's path, timed alone
 * over the same inputs the suite's write scenarios use (connect-churn,
 * subscribe-churn, publish-qos1; 10,000 clients), beside the whole engine
 * end to end against a redis-server this benchmark starts. The difference
 * between the end-to-end CPU per event and the sum of the stages is what the
 * pipeline itself costs: promises, batching, Redis I/O and the garbage
 * collection of data held while a batch is in flight.
 *
 * Then the XState ladder: the cost of one `send` to a session-sized actor
 * for machines that do a little more at each rung (no action, an assign, an
 * emit, both, the engine's session machine), all 10,000 actors children of
 * one parent, as the engine has them.
 *
 * Usage: npm run build && node --max-semi-space-size=64 dist/bench/step-costs.js [--events N] [--json FILE]
 */
import { writeFileSync } from 'node:fs'
import { assign, createActor, emit, setup, type AnyActorLogic, type AnyActorRef } from 'xstate'
import { supervisorLogic } from '../machines/supervisor.logic.js'
import { project } from '../projections/index.js'
import type { RedisWrite } from '../projections/writes.js'
import { SessionActors } from '../src/engine/actors.js'
import { createEngine } from '../src/engine/engine.js'
import { decodeInput, type Stamp } from '../src/events/decode.js'
import type { DomainEvent } from '../src/events/domain.js'
import type { InputEvent } from '../src/events/input.js'
import { planCommands } from '../src/redis/command-plan.js'
import { startEmbeddedRedis } from '../src/redis/embedded.js'
import { createKeys } from '../src/redis/keys.js'
import { RespWriter } from '../src/redis/resp.js'
import { createLogger } from '../src/util/logger.js'
import { submitAll, type Input } from './suite/contenders.js'
import { connectChurnInputs, publishInputs, subscribeChurnInputs } from './suite/write-scenarios.js'

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name)
  const v = i > 0 ? Number(process.argv[i + 1]) : fallback
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback
}
const jsonAt = process.argv.indexOf('--json')
const JSON_FILE = jsonAt > 0 ? process.argv[jsonAt + 1] : undefined
const EVENTS = arg('--events', 200_000)
const CLIENTS = 10_000
const BATCH = 2000
const REPEATS = 3

const stamp: Stamp = { now: () => 1_765_000_000_000, nextId: (() => { let n = 0; return () => `m${++n}` })() }
const keys = createKeys('mqtt:')

/** Microseconds per op of `run`, the median of REPEATS runs, each on fresh state from `setup`. */
function timeIt<S>(ops: number, setup: () => S, run: (state: S) => void): number {
  const times: number[] = []
  for (let r = 0; r < REPEATS; r++) {
    const state = setup()
    const t0 = performance.now()
    run(state)
    times.push(((performance.now() - t0) * 1000) / ops)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(REPEATS / 2)] as number
}

interface StageCosts {
  readonly workload: string
  readonly events: number
  readonly decodeUs: number
  readonly stepUs: number
  readonly projectUs: number
  readonly foldEncodeUs: number
  readonly sumUs: number
  readonly engineCpuUs: number
  readonly engineOpsPerSec: number
}

function decodeAll(raws: readonly Input[]): InputEvent[] {
  return raws.map((raw) => {
    const d = decodeInput(raw, stamp)
    if (d._tag === 'Left') throw new Error(`bench input rejected: ${d.left.message}`)
    return d.right
  })
}

function stepAll(inputs: readonly InputEvent[]): DomainEvent[] {
  const actors = new SessionActors('bench')
  const out: DomainEvent[] = []
  for (const input of inputs) for (const e of actors.step(input)) out.push(e)
  actors.stopAll()
  return out
}

function projectAll(events: readonly DomainEvent[]): RedisWrite[][] {
  return events.map((e) => project(e, keys))
}

function foldEncodeAll(writesPerEvent: readonly RedisWrite[][]): number {
  const out = new RespWriter()
  let bytes = 0
  for (let i = 0; i < writesPerEvent.length; i += BATCH) {
    const writes: RedisWrite[] = []
    for (const ws of writesPerEvent.slice(i, i + BATCH)) for (const w of ws) writes.push(w)
    for (const c of planCommands(writes)) out.command(c)
    bytes += out.take().length
  }
  return bytes
}

/** The engine end to end (submit to Redis ack, 2,000 in flight, no log): process CPU per event and events/s. */
async function engineRun(url: string, warm: readonly Input[], raws: readonly Input[]): Promise<{ cpuUs: number; opsPerSec: number }> {
  const engine = createEngine({ redis: url, node: 'bench', logger: createLogger({ level: 'silent' }), sweepIntervalMs: 0 })
  try {
    await engine.ready
    await submitAll(engine, warm, 2000)
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    await submitAll(engine, raws, 2000)
    const wallMs = performance.now() - t0
    const cpu = process.cpuUsage(c0)
    return { cpuUs: (cpu.user + cpu.system) / raws.length, opsPerSec: (raws.length * 1000) / wallMs }
  } finally {
    await engine.close()
  }
}

async function stages(url: string, workload: string, make: (n: number, tag: string) => Input[]): Promise<StageCosts> {
  const raws = make(EVENTS, '')
  const warm = make(Math.min(EVENTS, 4 * CLIENTS), 'w')
  // Warm every stage's code on other clients first.
  foldEncodeAll(projectAll(stepAll(decodeAll(warm))))
  const inputs = decodeAll(raws)
  const events = stepAll(inputs)
  const writes = projectAll(events)
  const decodeUs = timeIt(raws.length, () => null, () => void decodeAll(raws))
  const stepUs = timeIt(inputs.length, () => null, () => void stepAll(inputs))
  const projectUs = timeIt(raws.length, () => null, () => void projectAll(events))
  const foldEncodeUs = timeIt(raws.length, () => null, () => void foldEncodeAll(writes))
  const e2e = await engineRun(url, warm, raws)
  return {
    workload, events: raws.length, decodeUs, stepUs, projectUs, foldEncodeUs,
    sumUs: decodeUs + stepUs + projectUs + foldEncodeUs,
    engineCpuUs: e2e.cpuUs, engineOpsPerSec: e2e.opsPerSec,
  }
}

// The XState ladder ---------------------------------------------------------

interface Rung {
  readonly name: string
  readonly usPerSend: number
}

type Ev = { type: 'sub'; filter: string }
const draft = (event: Ev): { type: string; filter: string }[] => [{ type: 'SubscriptionAdded', filter: event.filter }]

function ladderMachines(): Array<[string, AnyActorLogic]> {
  const base = { context: { seq: 0 }, initial: 'offline', states: { offline: {}, online: {} } } as const
  const types = { context: {} as { seq: number }, events: {} as Ev, emitted: {} as { type: 'decided'; events: unknown[] } }
  return [
    ['a transition with no action', setup({ types }).createMachine({ ...base, on: { sub: {} } })],
    ['an assign', setup({ types, actions: { count: assign(({ context }) => ({ seq: context.seq + 1 })) } }).createMachine({ ...base, on: { sub: { actions: 'count' } } })],
    ['an emit', setup({ types, actions: { out: emit(({ event }) => ({ type: 'decided' as const, events: draft(event) })) } }).createMachine({ ...base, on: { sub: { actions: 'out' } } })],
    ['an emit, then an assign', setup({
      types,
      actions: {
        out: emit(({ event }) => ({ type: 'decided' as const, events: draft(event) })),
        count: assign(({ context }) => ({ seq: context.seq + 1 })),
      },
    }).createMachine({ ...base, on: { sub: { actions: ['out', 'count'] } } })],
  ]
}

function ladderRung(name: string, make: (i: number, parent: AnyActorRef) => AnyActorRef, send: (a: AnyActorRef, i: number, round: number) => void): Rung {
  const rounds = Math.max(2, Math.floor(EVENTS / CLIENTS))
  const usPerSend = timeIt(rounds * CLIENTS, () => {
    const parent = createActor(supervisorLogic).start()
    const actors: AnyActorRef[] = []
    for (let i = 0; i < CLIENTS; i++) {
      const a = make(i, parent)
      a.on('*', () => undefined)
      a.start()
      actors.push(a)
    }
    return actors
  }, (actors) => {
    for (let r = 0; r < rounds; r++) for (let i = 0; i < CLIENTS; i++) send(actors[i] as AnyActorRef, i, r)
  })
  return { name, usPerSend }
}

function ladder(): Rung[] {
  const rungs: Rung[] = []
  const sub = (a: AnyActorRef, i: number): void => a.send({ type: 'sub', filter: `dev/c${i}/cmd` })
  for (const [name, logic] of ladderMachines()) rungs.push(ladderRung(name, (_, parent) => createActor(logic, { parent }), sub))
  // The engine's own actors, through SessionActors (passivation bookkeeping included).
  const inputs = decodeAll(subscribeChurnInputs(Math.max(2, Math.floor(EVENTS / CLIENTS)) * CLIENTS, CLIENTS, ''))
  rungs.push({ name: 'the session machine (subscribe / unsubscribe), via SessionActors', usPerSend: timeIt(inputs.length, () => null, () => void stepAll(inputs)) })
  return rungs
}

async function main(): Promise<void> {
  const redis = await startEmbeddedRedis()
  try {
    const results = [
      await stages(redis.url, 'connect-churn', (n, tag) => connectChurnInputs(n, CLIENTS, tag)),
      await stages(redis.url, 'subscribe-churn', (n, tag) => subscribeChurnInputs(n, CLIENTS, tag)),
      await stages(redis.url, 'publish-qos1', (n, tag) => publishInputs(n, { ops: n, clients: CLIENTS, topics: 1000 }, tag)),
    ]
    const rungs = ladder()
    const f = (n: number): string => n.toFixed(2)
    console.log(`node ${process.version}, ${EVENTS} events per workload over ${CLIENTS} clients, median of ${REPEATS} runs per stage (wall time, one thread)`)
    console.log('| workload | decode us | actor step us | project us | fold + encode us | stages sum us | engine end to end, CPU us | engine ops/s |')
    console.log('|---|---|---|---|---|---|---|---|')
    for (const r of results) {
      console.log(`| ${r.workload} | ${f(r.decodeUs)} | ${f(r.stepUs)} | ${f(r.projectUs)} | ${f(r.foldEncodeUs)} | ${f(r.sumUs)} | ${f(r.engineCpuUs)} | ${Math.round(r.engineOpsPerSec).toLocaleString('en-US')} |`)
    }
    console.log('\n| one send to an actor doing | us per send |')
    console.log('|---|---|')
    for (const r of rungs) console.log(`| ${r.name} | ${f(r.usPerSend)} |`)
    if (JSON_FILE) writeFileSync(JSON_FILE, JSON.stringify({ node: process.version, events: EVENTS, clients: CLIENTS, stages: results, xstate: rungs }, null, 2))
  } finally {
    await redis.stop()
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
