/**
 * The contenders of a write scenario, built from one list of ops:
 *
 * - engine: each op an input handed to `engine.submit`, `inflight` in flight;
 * - limit: each op's Redis writes (what the projections make of the domain
 *   events the engine decides for it, computed once up front), planned per
 *   batch into the commands the engine sends for them (command-plan.ts:
 *   folded writes, adjacent message stores as one storeMessages call),
 *   hand-encoded as RESP and pipelined on a raw socket, `window` batches of
 *   `batch` ops;
 * - ioredis: the same writes on ioredis pipelines, same batches;
 * - peer: a scenario-specific aedes-persistence-redis call per op.
 */
import * as E from 'fp-ts/lib/Either.js'
import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { project } from '../../projections/index.js'
import type { RedisWrite } from '../../projections/writes.js'
import { SessionActors } from '../../src/engine/actors.js'
import { createEngine, type Engine } from '../../src/engine/engine.js'
import { decodeInput } from '../../src/events/decode.js'
import type { DomainEvent } from '../../src/events/domain.js'
import type { EmbeddedRedis } from '../../src/redis/embedded.js'
import type { Keys } from '../../src/redis/keys.js'
import { planCommands } from '../../src/redis/command-plan.js'
import { RawConnection } from '../../src/redis/raw-connection.js'
import { RespWriter } from '../../src/redis/resp.js'
import { ensureScripts } from '../../src/redis/scripts.js'
import { createIdGenerator } from '../../src/util/msgid.js'
import { closedLoop, pipelined, type Prepared } from './measure.js'
import { openPeer, type PeerPersistence } from './peer.js'
import { ioredisWrites } from './redis-io.js'

export const NODE = 'bench'

export interface BenchContext {
  readonly server: EmbeddedRedis
  /** A client for FLUSHALL, INFO and DBSIZE. */
  readonly admin: Redis
  readonly keys: Keys
  /** Ops per pipelined batch, and batches in flight. */
  readonly batch: number
  readonly window: number
  /** Ops in flight for per-op contenders (engine, peer): batch * window. */
  readonly inflight: number
  readonly logger: Logger
  /** Progress lines go here (stderr). */
  readonly say: (line: string) => void
}

export type Input = Readonly<Record<string, unknown>>

/** Ops as the engine gets them and as the projections write them. */
export interface OpList {
  readonly inputs: readonly Input[]
  /** Every op's writes, in op order. */
  readonly writes: readonly RedisWrite[]
  /** ends[i]: index in `writes` just past op i's writes. */
  readonly ends: Uint32Array
}

/**
 * The writes the engine makes of `inputs`: each decoded and stepped through
 * the engine's own session actors (the decision the engine would take),
 * and the resulting domain events projected. Not timed.
 */
export function deriveWrites(inputs: readonly Input[], keys: Keys): OpList {
  const actors = new SessionActors(NODE)
  const nextId = createIdGenerator(NODE)
  const stamp = { now: Date.now, nextId }
  const writes: RedisWrite[] = []
  const ends = new Uint32Array(inputs.length)
  inputs.forEach((raw, i) => {
    const d = decodeInput(raw, stamp)
    if (E.isLeft(d)) throw new Error(`bench input ${i} rejected: ${d.left.message}`)
    const events: DomainEvent[] = actors.step(d.right)
    for (const e of events) for (const w of project(e, keys)) writes.push(w)
    ends[i] = writes.length
  })
  actors.stopAll()
  return { inputs, writes, ends }
}

function writeRange(ops: OpList, from: number, to: number): [number, number] {
  return [from === 0 ? 0 : (ops.ends[from - 1] ?? 0), to === 0 ? 0 : (ops.ends[to - 1] ?? 0)]
}

/** The raw-RESP contender for write ops. */
export function limitContender(ctx: BenchContext, measured: OpList, warm: OpList): () => Promise<Prepared> {
  return async () => {
    const conn = await RawConnection.open({ host: '127.0.0.1', port: ctx.server.port })
    const send = (ops: OpList) => async (from: number, to: number): Promise<number> => {
      const [a, b] = writeRange(ops, from, to)
      if (a === b) return 0
      // The engine's own plan of the batch's writes (command-plan.ts): the commands it sends for them.
      const out = new RespWriter(1 << 18)
      for (const c of planCommands(ops.writes.slice(a, b))) out.command(c)
      const n = out.commands
      const r = await conn.send(out.take(), n)
      return r.errors.length
    }
    await pipelined(warm.inputs.length, ctx.batch, ctx.window, send(warm))
    return {
      ops: measured.inputs.length,
      run: async (lat) => ({ errors: await pipelined(measured.inputs.length, ctx.batch, ctx.window, send(measured), lat) }),
      dispose: async () => conn.close(),
    }
  }
}

/** A plain ioredis client with the engine's scripts registered (queueWrite calls them by name). */
export function ioredisClient(ctx: BenchContext): Redis {
  const redis = new Redis(ctx.server.url)
  ensureScripts(redis)
  return redis
}

/** The plain ioredis pipeline contender for write ops. */
export function ioredisContender(ctx: BenchContext, measured: OpList, warm: OpList): () => Promise<Prepared> {
  return async () => {
    const redis = ioredisClient(ctx)
    const send = (ops: OpList) => (from: number, to: number): Promise<number> => {
      const [a, b] = writeRange(ops, from, to)
      return a === b ? Promise.resolve(0) : ioredisWrites(redis, ops.writes, a, b)
    }
    await pipelined(warm.inputs.length, ctx.batch, ctx.window, send(warm))
    return {
      ops: measured.inputs.length,
      run: async (lat) => ({ errors: await pipelined(measured.inputs.length, ctx.batch, ctx.window, send(measured), lat) }),
      dispose: async () => redis.disconnect(),
    }
  }
}

/** An engine on the bench's Redis, ready. */
export async function openEngine(ctx: BenchContext): Promise<Engine> {
  const engine = createEngine({ redis: ctx.server.url, prefix: ctx.keys.prefix, node: NODE, logger: ctx.logger, sweepIntervalMs: 0 })
  await engine.ready
  return engine
}

/** Submit inputs, `width` in flight; resolves with the number rejected. */
export function submitAll(engine: Engine, inputs: readonly Input[], width: number, lat?: Float64Array): Promise<number> {
  return closedLoop(inputs.length, width, (i) => engine.submit(inputs[i]).then(E.isRight), lat)
}

/** The engine contender: every op an input, submit to Redis ack. */
export function engineContender(ctx: BenchContext, measured: readonly Input[], warm: readonly Input[]): () => Promise<Prepared> {
  return async () => {
    const engine = await openEngine(ctx)
    await submitAll(engine, warm, ctx.inflight)
    return {
      ops: measured.length,
      run: async (lat) => ({ errors: await submitAll(engine, measured, ctx.inflight, lat) }),
      dispose: () => engine.close(),
    }
  }
}

/** The peer contender: `call(peer, i)` per op, `inflight` in flight. */
export function peerContender(
  ctx: BenchContext,
  n: number,
  warmN: number,
  call: (p: PeerPersistence, i: number, warm: boolean) => Promise<unknown>,
): () => Promise<Prepared> {
  return async () => {
    const peer = await openPeer(ctx.server.port)
    await closedLoop(warmN, ctx.inflight, (i) => call(peer, i, true).then(() => true))
    return {
      ops: n,
      run: async (lat) => ({ errors: await closedLoop(n, ctx.inflight, (i) => call(peer, i, false).then(() => true, () => false), lat) }),
      dispose: () => peer.destroy(),
    }
  }
}
