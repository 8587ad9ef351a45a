/**
 * createEngine: the pipeline from host reports to Redis.
 *
 *   host -> submit(raw) -> decodeInput (boundary) -> input$
 *        -> the inputs of one event-loop turn (inBursts) -> their session actors (decide, emit domain events; synchronous)
 *        -> groupCommit(append): the event log, when there is one (commit.ts)
 *        -> parts of about 250 inputs (splitAppended)
 *        -> groupCommit(apply, two in flight): project (pure) -> fold (command-plan) -> one MULTI/EXEC with the checkpoint, pre-encoded
 *        -> settle: the host's promise resolves, reactions run (lookups back to the host)
 *
 * Backpressure: at most `highWaterMark` accepted events are in flight (not yet
 * in Redis). Past that, `submit` waits (a host that awaits it is slowed down)
 * and `pressure$` turns true so a host can stop reading its sockets. Nothing
 * accepted is dropped; while Redis is away, batches are retried until it is
 * back, and with a log they are acknowledged once logged (redis-health.ts).
 */
import * as E from 'fp-ts/lib/Either.js'
import { hostname } from 'node:os'
import { BehaviorSubject, Subject, mergeMap, tap } from 'rxjs'
import { decodeInput, DEFAULT_LIMITS, type DecodeLimits, type Stamp } from '../events/decode.js'
import type { DomainEvent } from '../events/domain.js'
import { EngineClosedError, type InputErrorCode } from '../events/errors.js'
import type { InputEvent } from '../events/input.js'
import type { BrokerHost } from '../hosts/host.js'
import type { EventLog } from '../log/event-log.js'
import type { BatchInfo, Engine, EngineOptions, SubmitResult } from './engine-types.js'
import { engineRedisOf, openBackend, toBackendConfig, type Backend } from './backend.js'
import { createAppend, createApply, splitAppended, type Appended } from './commit.js'
import { watchRedis } from './redis-health.js'
import { openAndCatchUp } from './startup.js'
import { connectEngineRedis, enginePrefix } from '../redis/connect.js'
import { createKeys, DEFAULT_PREFIX } from '../redis/keys.js'
import { callScript, ensureScripts } from '../redis/scripts.js'
import { DEFAULT_OFFLINE_RULES, type OfflineRules } from '../offline/rules.js'
import { Fifo } from '../util/fifo.js'
import { createLogger } from '../util/logger.js'
import { createIdGenerator } from '../util/msgid.js'
import { SessionActors } from './actors.js'
import { inBursts } from './bursts.js'
import { groupCommit } from './group-commit.js'
import { react } from './reactions.js'

export type { Engine, EngineOptions, EngineStats, SubmitOk, SubmitResult } from './engine-types.js'

/**
 * About how many inputs one Redis transaction carries: with two in flight, a
 * burst of 1,000 stored publishes goes as four, and Redis runs one while Node
 * builds the next (bench/README.md has the measurements that chose it).
 */
const APPLY_INPUTS = 250

interface Envelope {
  readonly input: InputEvent
  readonly resolve: (r: SubmitResult) => void
}

interface Decided {
  readonly envelope: Envelope
  readonly events: DomainEvent[]
  /** The host has been told (once in Redis, or once in the log while Redis is away). */
  acked: boolean
}

/**
 * @example
 * const engine = createEngine({ redis: 'redis://127.0.0.1:6379', node: 'n1' })
 * await engine.submit({ type: 'mqtt.connect', clientId: 'dev-1', connectionId: 'c1', cleanStart: true })
 * await engine.close()
 */
export function createEngine(options: EngineOptions = {}): Engine {
  const node = options.node ?? hostname()
  const logger = options.logger ?? createLogger()
  const clock = options.clock ?? Date.now
  const limits: DecodeLimits = { ...DEFAULT_LIMITS, ...options.limits }
  const highWaterMark = Math.max(1, options.highWaterMark ?? 10_000)
  const lowWaterMark = Math.floor(highWaterMark / 2)
  const backendConfig = options.backend ? toBackendConfig(options.backend) : null
  const target = options.redis ?? (backendConfig ? engineRedisOf(backendConfig) : undefined) ?? process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379'
  const { redis, owned } = connectEngineRedis(target)
  // On Redis Cluster every engine key shares one slot (scripts and the checkpoint transaction span them): `mqtt:` becomes `{mqtt}:`.
  const keys = createKeys(enginePrefix(redis, options.prefix ?? DEFAULT_PREFIX))
  if (keys.prefix !== (options.prefix ?? DEFAULT_PREFIX)) logger.info({ prefix: keys.prefix }, 'redis cluster: the engine keys use a hash-tagged prefix, so they share one slot')
  // ioredis reports every failed reconnect; say each distinct error once per 30 s, not ten times a second.
  const lastSaid = new Map<string, number>()
  redis.on('error', (err: Error) => {
    const now = Date.now()
    if (now - (lastSaid.get(err.message) ?? 0) < 30_000) return
    lastSaid.set(err.message, now)
    logger.warn({ err: err.message }, 'redis connection error (retrying)')
  })

  const nextId = createIdGenerator(node)
  const stamp: Stamp = { now: clock, nextId }
  const hosts = new Set<BrokerHost>()
  const backend: Backend | null = backendConfig ? openBackend(backendConfig, { hosts: () => hosts, logger }) : null
  const rules: OfflineRules = { ...DEFAULT_OFFLINE_RULES, ...backend?.features.offline, ...options.offline }
  const lookups = { subscriptions: backend?.features.subscribeLookup ?? true, retained: backend?.features.retainLookup ?? true }
  const observes = backend?.rules.observe ?? new Set<never>()
  const fetchLimit = options.fetchLimit ?? 10_000
  const sweepGraceMs = Math.max(0, options.sweepGraceMs ?? 600_000)
  const actors = new SessionActors(node, rules, observes, { clock })
  const pressure$ = new BehaviorSubject(false)
  const input$ = new Subject<Envelope>()
  const reactions = new Set<Promise<void>>()
  const waiters = new Fifo<() => void>()
  const idle = new Fifo<() => void>()

  const counters = { accepted: 0, domainEvents: 0, batches: 0, redisCommands: 0, redisCommandErrors: 0 }
  const rejected: Partial<Record<InputErrorCode, number>> = {}
  let inFlight = 0
  let closing: Promise<void> | null = null

  const logOpened: Promise<EventLog | null> = options.log ? openAndCatchUp(options.log, { redis, keys, node, logger }) : Promise.resolve(null)
  const ready: Promise<void> = logOpened.then(() => undefined)
  let readyError: Error | null = null
  ready.catch((err: unknown) => {
    readyError = err instanceof Error ? err : new Error(String(err))
    logger.error({ err: readyError.message }, 'the event log cannot be used')
  })
  // Two Redis transactions in flight: Node builds and sends the next batch while Redis runs one
  // (one connection, so Redis runs them in order; group-commit.ts says what a failure then does).
  // A transaction holds about APPLY_INPUTS inputs: a large burst goes as several, small ones merge.
  const applyWindow = 2
  const commitDeps = { redis, keys, node, logger, counters, log: logOpened, logDir: options.log?.dir ?? null, pipelined: applyWindow > 1 }
  const append = createAppend<Decided>(commitDeps)
  const apply = createApply<Decided>(commitDeps)
  // Metrics (options.onBatch, src/http): each batch's size and time, in the log and in Redis; a failing hook never fails a batch.
  const onBatch = options.onBatch
  const report = (info: BatchInfo): void => {
    try {
      onBatch?.(info)
    } catch (err) {
      logger.warn({ err: String(err) }, 'the onBatch hook failed')
    }
  }
  const eventsIn = (batch: readonly Decided[]): number => batch.reduce((n, d) => n + d.events.length, 0)
  const appendStep: typeof append = !onBatch ? append : async (batch) => {
    const t0 = performance.now()
    const last = await append(batch)
    if (last > 0) report({ stage: 'log', events: eventsIn(batch), commands: 0, position: last, ms: performance.now() - t0 })
    return last
  }
  const applyStep: (units: readonly Appended<Decided>[]) => Promise<unknown> = !onBatch ? apply : async (units) => {
    const t0 = performance.now()
    const commands = await apply(units)
    if (commands === null) return // nothing was sent
    report({ stage: 'redis', events: units.reduce((n, u) => n + eventsIn(u.batch), 0), commands, position: units.reduce((p, u) => Math.max(p, u.last), 0), ms: performance.now() - t0 })
  }

  /** Tell the host its event is safe: in Redis, or (while Redis is away) in the log. */
  const acknowledge = (d: Decided): void => {
    if (d.acked) return
    d.acked = true
    d.envelope.resolve(E.right({ input: d.envelope.input, events: d.events }))
  }
  const redisHealth = watchRedis(redis, logger, options.log !== undefined)
  /** Appended to the log, not yet in Redis. */
  const appendedOnly = new Set<Appended<Decided>>()
  redisHealth.down$.subscribe((down) => {
    if (!down || !options.log) return
    // Redis went away: what is already in the log is acknowledged now.
    for (const u of appendedOnly) u.batch.forEach(acknowledge)
  })
  const onAppended = (u: Appended<Decided>): void => {
    if (u.last > 0 && redisHealth.down$.value) u.batch.forEach(acknowledge)
    else if (u.last > 0) appendedOnly.add(u)
  }

  const settle = (units: readonly Appended<Decided>[]): void => {
    redisHealth.succeeded()
    let n = 0
    for (const u of units) {
      appendedOnly.delete(u)
      for (const d of u.batch) {
        n++
        counters.domainEvents += d.events.length
        acknowledge(d)
        for (const e of d.events) {
          runReactions(e)
          backend?.runner?.run(e)
          if (backend) for (const c of backend.channels) c.notice(e)
        }
      }
    }
    inFlight -= n
    if (pressure$.value && inFlight <= lowWaterMark) pressure$.next(false)
    while (waiters.length > 0 && inFlight < highWaterMark) waiters.shift()?.()
    if (inFlight === 0) while (idle.length > 0) idle.shift()?.()
  }

  const runReactions = (event: DomainEvent): void => {
    for (const host of hosts) {
      const p: Promise<void> = react(event, { redis, keys, host, rules, now: clock, fetchLimit, lookups })
        .catch((err: unknown) => logger.warn({ err: String(err), event: event.type, clientId: event.meta.clientId }, 'lookup for the host failed'))
        .finally(() => reactions.delete(p))
      reactions.add(p)
    }
  }

  const pipelineDone = new Promise<void>((resolve, reject) => {
    input$
      .pipe(
        // Per-client order: inputs reach the actors in arrival order, and each
        // step is synchronous, so one client's events can never overtake each
        // other. The inputs of one burst are stepped together: a client's
        // inputs in it that take no transition are one actor step (a run).
        // (A groupBy per client kept a group for every client id ever seen,
        // and completing them at close was quadratic.)
        inBursts((burst: readonly Envelope[]): Decided[] => {
          const events = actors.stepAll(burst.map((e) => e.input))
          return burst.map((envelope, i): Decided => ({ envelope, events: events[i] ?? [], acked: false }))
        }),
        // Step 1: the log. Step 2: Redis, several appended batches per round trip.
        groupCommit(appendStep, {
          maxBatch: options.maxBatch ?? 2000,
          retryDelayMs: 200,
          onRetry: (err, attempt) => logger.error({ err: String(err), attempt }, 'appending a batch to the event log failed; retrying'),
        }),
        mergeMap(({ batch, result }) => splitAppended<Decided>({ batch, last: result }, APPLY_INPUTS)),
        tap(onAppended),
        groupCommit(applyStep, {
          maxBatch: 8,
          window: applyWindow,
          weight: (u) => u.batch.length,
          maxWeight: APPLY_INPUTS,
          retryDelayMs: 200,
          onRetry: (err, attempt) => {
            redisHealth.failed()
            logger.warn({ err: String(err), attempt }, 'writing a batch to redis failed; retrying')
          },
        }),
      )
      .subscribe({ next: ({ batch }) => settle(batch), error: reject, complete: resolve })
  })

  /** Put one decoded input into the pipeline; counts it in flight at once (synchronously). */
  const accept = (input: InputEvent, resolve: (r: SubmitResult) => void): void => {
    inFlight++
    counters.accepted++
    if (!pressure$.value && inFlight >= highWaterMark) pressure$.next(true)
    input$.next({ input, resolve })
  }

  const engine: Engine = {
    ready,
    node,
    keys,
    redis,
    logger,
    pressure$: pressure$.asObservable(),
    observes,

    submit(raw: unknown): Promise<SubmitResult> {
      if (closing) return Promise.reject(new EngineClosedError())
      if (readyError) return Promise.reject(readyError)
      const decoded = decodeInput(raw, stamp, limits)
      if (E.isLeft(decoded)) {
        const err = decoded.left
        rejected[err.code] = (rejected[err.code] ?? 0) + 1
        logger.warn({ code: err.code, field: err.field, reason: err.message }, 'input event rejected')
        return Promise.resolve(decoded)
      }
      const input = decoded.right
      return new Promise<SubmitResult>((resolve) => {
        if (inFlight < highWaterMark && waiters.length === 0) accept(input, resolve)
        // Full: wait for room, in arrival order, so per-client order holds.
        else waiters.push(() => accept(input, resolve))
      })
    },

    attach(host: BrokerHost): () => void {
      hosts.add(host)
      return () => void hosts.delete(host)
    },

    flush(): Promise<void> {
      if (inFlight === 0 && waiters.length === 0) return Promise.resolve()
      return new Promise<void>((r) => idle.push(r))
    },

    async settled(): Promise<void> {
      await engine.flush()
      while (reactions.size > 0) {
        await Promise.allSettled([...reactions])
        await engine.flush()
      }
      await backend?.runner?.settled()
    },

    sessionState: (clientId) => actors.stateOf(clientId),

    async sweep(): Promise<number> {
      ensureScripts(redis)
      let total = 0
      for (;;) {
        const n = Number(await callScript(redis, 'sweepExpired', [keys.expiry(), keys.msgTopics()], [clock() - sweepGraceMs, 1000, keys.prefix]))
        total += n
        if (n < 1000) return total
      }
    },

    stats: () => {
      const r = backend?.runner?.stats()
      return { ...counters, rejected: { ...rejected }, inFlight, actors: actors.size, passivated: actors.passivated, ruleCommands: r?.sent ?? 0, ruleCommandErrors: r?.failed ?? 0 }
    },

    close(): Promise<void> {
      if (closing) return closing
      closing = (async () => {
        clearInterval(sweeper)
        await ready.catch(() => undefined)
        // With an unusable log nothing can be written: do not wait for batches that never will be.
        if (!readyError) {
          await engine.flush()
          input$.complete()
          await pipelineDone
        }
        await Promise.allSettled([...reactions])
        apply.close()
        await backend?.close()
        await (await logOpened.catch(() => null))?.close()
        hosts.clear()
        actors.stopAll()
        pressure$.complete()
        redisHealth.stop()
        if (owned) await redis.quit().catch(() => redis.disconnect())
      })()
      return closing
    },
  }
  const sweepEvery = options.sweepIntervalMs ?? 1000
  const sweeper = setInterval(() => {
    // Idle offline sessions are dropped even while no input arrives (steps do it too).
    actors.passivateIdle()
    if (redis.status !== 'ready') return
    engine.sweep().catch((err: unknown) => logger.warn({ err: String(err) }, 'sweeping expired messages failed'))
  }, sweepEvery > 0 ? sweepEvery : 2 ** 31 - 1)
  sweeper.unref()
  return engine
}
