/**
 * What the Aedes persistence benchmarks share: the two contenders behind one
 * small interface (this project's persistence, with or without its durable
 * log, and aedes-persistence-redis as Aedes 1.2 uses it), the minimal broker
 * aedes-persistence's own contract suite builds to call a persistence
 * directly, a runner that keeps a fixed number of calls in flight, and
 * table printing.
 */
import { Redis } from 'ioredis'
import mqemitter from 'mqemitter'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { aedesPersistence } from '../../src/aedes.js'
import { createLogger } from '../../src/util/logger.js'

export type AnyPacket = Record<string, unknown>
export interface BenchSub { readonly topic: string; readonly qos: 0 | 1 | 2; readonly clientId?: string; readonly rh?: number; readonly rap?: boolean; readonly nl?: boolean }

/** The part of Aedes' async persistence interface the benchmarks call. */
export interface BenchPersistence {
  setup(broker: object): Promise<void>
  storeRetained(packet: AnyPacket): Promise<void>
  addSubscriptions(client: { id: string }, subs: readonly BenchSub[]): Promise<unknown>
  subscriptionsByTopic(topic: string): Promise<unknown[]>
  outgoingEnqueueCombi(subs: readonly BenchSub[], packet: AnyPacket): Promise<void>
  countOffline(): Promise<{ subsCount: number; clientsCount: number }>
  destroy(): Promise<void>
}

export type ContenderName = 'peer' | 'ours' | 'ours+log' | 'memory'

export interface Contender {
  readonly name: ContenderName
  /** What the tables call it. */
  readonly label: string
  /** A new, not yet set up persistence. */
  make(): BenchPersistence
  /** Remove what make() left on disk (the log directory). */
  cleanup(): void
}

/** The logical Redis database aedes-persistence-redis uses; ours stays in 0 under its key prefix. */
export const PEER_DB = 1
export const OURS_PREFIX = 'bench-ours:'

const require = createRequire(import.meta.url)
// aedes-persistence-redis' main export, the one Aedes' docs and examples pass
// as `persistence`: the async implementation behind aedes-persistence's
// CallBackPersistence, whose calls without a callback return its promises.
const peerFactory = require('aedes-persistence-redis') as (opts: object) => BenchPersistence
// Aedes' default persistence: everything in the broker's memory, nothing written anywhere.
const memoryFactory = require('aedes-persistence') as () => BenchPersistence

export function contenders(redisPort: number): Contender[] {
  const logger = createLogger({ level: 'silent' })
  const url = `redis://127.0.0.1:${redisPort}`
  const dirs: string[] = []
  return [
    {
      name: 'peer',
      label: 'aedes-persistence-redis 11.2.2',
      make: () => peerFactory({ host: '127.0.0.1', port: redisPort, db: PEER_DB }),
      cleanup: () => undefined,
    },
    {
      name: 'ours',
      label: 'ours, no log',
      make: () => aedesPersistence({ redis: url, prefix: OURS_PREFIX, sweepIntervalMs: 0, logger }),
      cleanup: () => undefined,
    },
    {
      name: 'ours+log',
      label: "ours, log (durability 'batch')",
      make: () => {
        const dir = mkdtempSync(join(tmpdir(), 'aedes-bench-log-'))
        dirs.push(dir)
        return aedesPersistence({ redis: url, prefix: OURS_PREFIX, sweepIntervalMs: 0, logger, log: { dir, durability: { mode: 'batch' } } })
      },
      cleanup: () => {
        for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
      },
    },
    {
      // Not a Redis persistence: the end-to-end run's ceiling. A persistence
      // that writes nothing anywhere shows how fast the same broker and
      // clients go when the persistence costs (almost) nothing.
      name: 'memory',
      label: "Aedes' memory persistence (no Redis)",
      make: () => memoryFactory(),
      cleanup: () => undefined,
    },
  ]
}

/**
 * The broker aedes-persistence's abstract.js hands a persistence: an id, a
 * packet counter and an mqemitter (aedes-persistence-redis broadcasts every
 * subscription change on it and waits for its own message).
 */
export function fakeBroker(id: string): object {
  const mq = mqemitter()
  return {
    id,
    mq,
    publish: mq.emit.bind(mq),
    subscribe: mq.on.bind(mq),
    unsubscribe: mq.removeListener.bind(mq),
    counter: 0,
  }
}

/** FLUSHALL, so every phase starts from an empty Redis. */
export async function flushAll(port: number): Promise<void> {
  const r = new Redis({ host: '127.0.0.1', port, lazyConnect: false })
  try {
    await r.flushall()
  } finally {
    r.disconnect()
  }
}

/** Run `call(0) ... call(n - 1)` keeping `width` of them in flight; resolves with the elapsed milliseconds. */
export async function inFlight(n: number, width: number, call: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < n) await call(next++)
  }
  const t0 = process.hrtime.bigint()
  await Promise.all(Array.from({ length: Math.min(width, n) }, worker))
  return Number(process.hrtime.bigint() - t0) / 1e6
}

export function elapsedMs(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e6
}

/** `--name value` from the command line, or the default. */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  if (i < 0) return fallback
  const v = Number(process.argv[i + 1])
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} wants a positive number`)
  return v
}

export function stringArg(name: string): string | null {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? null : (process.argv[i + 1] ?? null)
}

export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`)
}

/** The contenders named by `--only a,b` (all when absent). */
export function selected(all: Contender[]): Contender[] {
  const only = stringArg('only')
  if (only === null) return all
  const names = only.split(',')
  const picked = all.filter((c) => names.includes(c.name))
  if (picked.length === 0) throw new Error(`--only: none of ${only}; choose from ${all.map((c) => c.name).join(', ')}`)
  return picked
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

export function fmtRatio(ours: number | undefined, peer: number | undefined): string {
  if (ours === undefined || peer === undefined || peer === 0) return '-'
  return `${(ours / peer).toFixed(2)}x`
}

export function printTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
  console.log(`| ${header.join(' | ')} |`)
  console.log(`|${header.map(() => '---').join('|')}|`)
  for (const r of rows) console.log(`| ${r.join(' | ')} |`)
}

export function payloadOf(bytes: number): Buffer {
  return Buffer.alloc(bytes, 0x61)
}
