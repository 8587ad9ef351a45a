/**
 * The engine's path from a host report to Redis and back, without
 * createEngine: decode -> session actor -> (event log) -> project ->
 * applyWrites (one MULTI/EXEC with the checkpoint) -> reactions. Every Redis
 * call goes through the same modules the engine uses, so driving it on a
 * cluster client exercises exactly what the engine would send there.
 *
 * Deterministic: ids come from a fixed salt and time from a clock the test
 * moves, so two drivers fed the same reports on two topologies emit the same
 * events and must leave the same state.
 */
import * as E from 'fp-ts/lib/Either.js'
import { project } from '../../../projections/index.js'
import { SessionActors } from '../../../src/engine/actors.js'
import { react } from '../../../src/engine/reactions.js'
import { decodeInput } from '../../../src/events/decode.js'
import type { DomainEvent } from '../../../src/events/domain.js'
import type { EventLog } from '../../../src/log/event-log.js'
import { DEFAULT_OFFLINE_RULES, type OfflineRules } from '../../../src/offline/rules.js'
import { applyWrites } from '../../../src/redis/apply.js'
import type { EngineRedis } from '../../../src/redis/connect.js'
import { createKeys, type Keys } from '../../../src/redis/keys.js'
import { callScript, ensureScripts } from '../../../src/redis/scripts.js'
import { createIdGenerator } from '../../../src/util/msgid.js'
import { RecordingHost } from '../../support/recording-host.js'

export interface DriverOptions {
  readonly node?: string
  readonly offline?: Partial<OfflineRules>
  /** When given, every report's events are appended first and the checkpoint goes with the writes. */
  readonly log?: EventLog
  /** Start of the controlled clock, ms. */
  readonly start?: number
  /** Run the lookups back to the host (default true); off for workloads compared with a replay, which runs none. */
  readonly reactions?: boolean
}

export class Driver {
  readonly host = new RecordingHost()
  readonly keys: Keys
  readonly node: string
  readonly rules: OfflineRules
  now: number
  private readonly actors: SessionActors
  private readonly nextId = createIdGenerator('cluster-contract', Buffer.from('fixed-salt'))

  constructor(
    readonly redis: EngineRedis,
    prefix: string,
    private readonly opts: DriverOptions = {},
  ) {
    this.keys = createKeys(prefix)
    this.node = opts.node ?? 'n1'
    this.rules = { ...DEFAULT_OFFLINE_RULES, ...opts.offline }
    this.now = opts.start ?? 1_800_000_000_000
    this.actors = new SessionActors(this.node, this.rules)
  }

  /** The domain events of one report, decided by its session actor and not applied (to apply many as one batch). */
  decide(raw: Readonly<Record<string, unknown>>): DomainEvent[] {
    const decoded = decodeInput(raw, { now: () => this.now, nextId: this.nextId })
    if (E.isLeft(decoded)) throw new Error(`report refused: ${decoded.left.message}`)
    return this.actors.step(decoded.right)
  }

  /** One host report through the whole path; resolves with its domain events once they are in Redis and the reactions ran. */
  async submit(raw: Readonly<Record<string, unknown>>): Promise<DomainEvent[]> {
    const events = this.decide(raw)
    const position = this.opts.log && events.length > 0 ? (await this.opts.log.append(events)).last : 0
    const writes = events.flatMap((e) => project(e, this.keys))
    const checkpoints = position > 0 ? [{ key: this.keys.checkpoint(), node: this.node, position }] : []
    const r = await applyWrites(this.redis, writes, checkpoints)
    // A CROSSSLOT (or any other refusal) must fail the test, not hide in a counter.
    const first = r.errors[0]
    if (first) throw new Error(`Redis refused ${r.errors.length} write(s), first ${first.write.op}: ${first.error.message}`)
    if (this.opts.reactions === false) return events
    for (const e of events) await react(e, { redis: this.redis, keys: this.keys, host: this.host, rules: this.rules, now: () => this.now, fetchLimit: 1000 })
    return events
  }

  /** What engine.sweep does: sweep the index entries of messages expired `graceMs` ago. */
  async sweep(graceMs = 0): Promise<number> {
    ensureScripts(this.redis)
    return Number(await callScript(this.redis, 'sweepExpired', [this.keys.expiry(), this.keys.msgTopics()], [this.now - graceMs, 1000, this.keys.prefix]))
  }

  stop(): void {
    this.actors.stopAll()
  }
}
