/**
 * The engine's public types: its options, what `submit` answers, its stats,
 * and the Engine interface itself.
 */
import type * as E from 'fp-ts/lib/Either.js'
import type { Logger } from 'pino'
import type { Observable } from 'rxjs'
import type { BackendConfig } from '../config/model.js'
import type { DecodeLimits } from '../events/decode.js'
import type { DomainEvent, ObservedEvent } from '../events/domain.js'
import type { InputError, InputErrorCode } from '../events/errors.js'
import type { InputEvent } from '../events/input.js'
import type { BrokerHost } from '../hosts/host.js'
import type { Durability } from '../log/event-log.js'
import type { OfflineRules } from '../offline/rules.js'
import type { EngineRedis, EngineRedisTarget } from '../redis/connect.js'
import type { Keys } from '../redis/keys.js'

export interface EngineOptions {
  /** Redis URL, ioredis options or client. Default: REDIS_URL, else redis://127.0.0.1:6379. */
  readonly redis?: EngineRedisTarget
  /** Key prefix, default `mqtt:`. */
  readonly prefix?: string
  /** This engine node's name, default the hostname. */
  readonly node?: string
  readonly limits?: Partial<DecodeLimits>
  /** Milliseconds since the epoch; tests pass a controlled clock. */
  readonly clock?: () => number
  /** Accepted events not yet in Redis before `submit` waits. Default 10000. */
  readonly highWaterMark?: number
  /** Most inputs per append to the event log (one fsync with durability 'batch'). Default 2000. A Redis transaction carries about 250 of them, two in flight. */
  readonly maxBatch?: number
  readonly logger?: Logger
  /** Which topics are stored for clients that are away, and for how long. Default: queue/#, pubsub/#, 7200 s. */
  readonly offline?: Partial<OfflineRules>
  /** Most stored messages fetched per topic for one subscription. Default 10000. */
  readonly fetchLimit?: number
  /** How often expired stored messages are swept from the indexes, ms; 0 turns the timer off. Default 1000. */
  readonly sweepIntervalMs?: number
  /**
   * How long after expiry a message's index entry is kept, ms, so a late ack
   * of an expired pubsub message still moves the cursor past it. Default 600000.
   */
  readonly sweepGraceMs?: number
  /**
   * The durable event log. With it, every batch of domain events is appended
   * (and fsynced, by default) before its projection is applied, Redis keeps a
   * checkpoint of the last applied position in the same transaction, and at
   * startup the engine applies the log suffix Redis lacks. Without it, Redis
   * is the only copy.
   */
  readonly log?: { readonly dir: string; readonly durability?: Durability; readonly segmentBytes?: number }
  /**
   * The EMQX Redis backend configuration: pools, hook rules (functions and raw
   * command templates) and `expired_time`, as `loadConfigFile` returns it, or
   * the JSON model as a plain object (checked here; a bad one throws a
   * ConfigError). Without it the default hook set applies on `redis`.
   * Function rules choose what the engine stores and looks up; command rules
   * run on their pools after each event is committed; a pool with a
   * `channel` gets the `mqtt_channel` control channel. Without `redis`, the
   * engine writes its own keys to the default pool.
   */
  readonly backend?: BackendConfig | Readonly<Record<string, unknown>>
  /** Metrics: called after each batch is appended to the log ('log') and after each Redis round trip that applies batches ('redis'). */
  readonly onBatch?: (info: BatchInfo) => void
}

/** One committed batch, for `EngineOptions.onBatch`. */
export interface BatchInfo {
  readonly stage: 'log' | 'redis'
  /** Domain events in the batch. */
  readonly events: number
  /** Redis commands sent ('redis'); 0 for 'log'. */
  readonly commands: number
  /** Log position of the batch's last event; 0 without a log. */
  readonly position: number
  /** Milliseconds: the log append (write, and fsync per durability), or the Redis round trip. */
  readonly ms: number
}

export interface SubmitOk {
  readonly input: InputEvent
  /** The domain events this input produced, now in Redis. */
  readonly events: readonly DomainEvent[]
}

export type SubmitResult = E.Either<InputError, SubmitOk>

export interface EngineStats {
  readonly accepted: number
  readonly rejected: Readonly<Partial<Record<InputErrorCode, number>>>
  readonly domainEvents: number
  readonly batches: number
  readonly redisCommands: number
  readonly redisCommandErrors: number
  readonly inFlight: number
  /** Session actors alive now; idle offline sessions are passivated (kept as their sequence number only) and woken by their next event. */
  readonly actors: number
  readonly passivated: number
  /** Rule commands Redis ran, and those that failed. */
  readonly ruleCommands: number
  readonly ruleCommandErrors: number
}

export interface Engine {
  /** Resolves once the log is open and Redis has caught up with it; rejects if the log cannot be used (e.g. corrupt). */
  readonly ready: Promise<void>
  readonly node: string
  readonly keys: Keys
  readonly redis: EngineRedis
  readonly logger: Logger
  /** True while the engine wants the host to stop reading from its clients. */
  readonly pressure$: Observable<boolean>
  /** The observed events the engine records (hook rules listen to them); a host reports only these. */
  readonly observes: ReadonlySet<ObservedEvent['type']>
  /**
   * Hand the engine one host report. Resolves once its domain events are in
   * Redis (Right), or at once with the reason it was rejected (Left).
   */
  submit(raw: unknown): Promise<SubmitResult>
  /** Let the engine call back into a broker (lookups); returns a detach function. */
  attach(host: BrokerHost): () => void
  /** Resolves when everything accepted so far is in Redis. */
  flush(): Promise<void>
  /** Resolves when everything accepted so far is in Redis and the lookups it caused were handed to the host. */
  settled(): Promise<void>
  sessionState(clientId: string): 'online' | 'offline' | 'unknown'
  /** Remove index entries of messages expired more than `sweepGraceMs` ago (the timer calls this); returns how many. */
  sweep(): Promise<number>
  stats(): EngineStats
  /** Stop accepting, write everything accepted, close what the engine opened. */
  close(): Promise<void>
}
