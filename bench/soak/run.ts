/**
 * The soak: a redis-server and `mqtt-redis serve` of its own, N MQTT
 * connections on loopback (in worker threads), each subscribed at QoS 1 to
 * its own topic and to a shared one, QoS 1 publishes at a set rate for a set
 * time, a sample every few seconds, and at the end what the broker
 * acknowledged but never delivered. `npm run soak` and
 * test/e2e/soak.e2e.spec.ts both run `runSoak`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { Redis } from 'ioredis'
import { freePort, startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded.js'
import type { WorkerSetup } from './clients.js'
import { prepareLimits, rssOf, type Limits } from './limits.js'
import { startServeProcess, workerScript, type ServeProcess } from './processes.js'
import { ACKED, C, CONN_DROPPED, CONN_UP, FAILED, SENT, SharedView, bucketUpperUs, histDiff, quantileMs, type SharedLayout } from './shared.js'
import type { FromWorker, ToWorker } from './worker.js'

export interface SoakOptions {
  /** MQTT connections (each subscribes to its own topic and the shared one). */
  readonly connections: number
  /** Seconds of publishing. */
  readonly durationSec: number
  /** Direct messages per second, all connections together (each to one random connection's own topic). */
  readonly rate: number
  /** A message to the shared topic (delivered to every connection) this often; 0: none. */
  readonly sharedEverySec: number
  /** Worker threads holding the connections. */
  readonly workers: number
  /** Connections connecting at once, all workers together. */
  readonly batch: number
  readonly payloadBytes: number
  readonly reportEverySec: number
  /** Direct publishes awaiting their PUBACK at most, all workers together. */
  readonly maxInflight: number
  /** After publishing, how long to wait for every acknowledged message to arrive. */
  readonly drainSec: number
  /** How long connecting everything may take. */
  readonly connectPhaseSec: number
  readonly keepaliveSec: number
  /** Topics are `<root>/c/<n>` and `<root>/all`; under `pubsub/` the engine stores every message. */
  readonly topicRoot: string
  /**
   * Start publishing only once Redis holds every connection's two
   * subscriptions. Without it the first messages race the engine's handling
   * of the subscriptions (see README: a subscription under `pubsub/` fetches
   * what was stored after its start, so a message published meanwhile can
   * arrive twice, and Aedes' per-client dedupe then drops live deliveries
   * older than the fetched copy).
   */
  readonly settle: boolean
}

export const DEFAULT_SOAK: SoakOptions = {
  connections: 10_000,
  durationSec: 60,
  rate: 2000,
  sharedEverySec: 5,
  workers: 2,
  batch: 200,
  payloadBytes: 64,
  reportEverySec: 5,
  maxInflight: 20_000,
  drainSec: 30,
  connectPhaseSec: 300,
  keepaliveSec: 60,
  topicRoot: 'pubsub/soak',
  settle: true,
}

export type Phase = 'connecting' | 'settling' | 'publishing' | 'draining' | 'ending'

export interface SoakSample {
  /** Seconds since the connections started connecting. */
  readonly t: number
  readonly phase: Phase
  readonly up: number
  readonly failed: number
  readonly dropped: number
  readonly sent: number
  readonly acked: number
  readonly received: number
  readonly sharedSent: number
  readonly sharedReceived: number
  /** Direct messages sent and delivered per second since the previous sample. */
  readonly sentPerSec: number
  readonly receivedPerSec: number
  /** End-to-end latency (publish to delivery) of direct messages delivered since the previous sample, ms. */
  readonly p50Ms: number | null
  readonly p99Ms: number | null
  readonly serveRss: number | null
  readonly soakRss: number
  readonly redisKeys: number | null
  readonly redisUsedMemory: number | null
}

export interface Latency {
  readonly p50Ms: number | null
  readonly p99Ms: number | null
  readonly p999Ms: number | null
  readonly maxMs: number | null
}

export interface SoakSummary {
  readonly options: SoakOptions
  readonly limits: Limits
  readonly connections: {
    readonly requested: number
    readonly attempted: number
    readonly up: number
    readonly failed: number
    readonly dropped: number
    readonly reconnects: number
    readonly connectSec: number
    /** From every connection up to Redis holding every subscription (0 without `settle`). */
    readonly settleSec: number
  }
  readonly publishSec: number
  readonly direct: {
    readonly sent: number
    readonly acked: number
    readonly failed: number
    readonly received: number
    /** Acknowledged by the broker, never delivered to their subscriber. */
    readonly lost: number
    /** Of `lost`, those whose subscriber's connection dropped. */
    readonly lostToDropped: number
    readonly duplicates: number
    /** Delivered though their PUBACK never came. */
    readonly deliveredUnacked: number
    readonly heldBack: number
    readonly overCapacity: number
    readonly achievedRate: number
    readonly latency: Latency
  }
  readonly shared: {
    readonly sent: number
    readonly acked: number
    readonly failed: number
    /** Acknowledged shared messages x connections up when they were published. */
    readonly expected: number
    readonly received: number
    readonly lost: number
    readonly lostToDropped: number
    readonly duplicates: number
    readonly latency: Latency
  }
  /** direct + shared. */
  readonly lost: number
  readonly duplicates: number
  readonly misrouted: number
  readonly foreign: number
  readonly dupFlag: number
  /** Whether every acknowledged message arrived before the drain time ran out; null if the run stopped before. */
  readonly drained: boolean | null
  readonly drainSec: number
  readonly serveRss: { readonly peak: number; readonly final: number | null }
  readonly soakRss: { readonly peak: number; readonly final: number }
  /** Read after serve stopped (every accepted event is then in Redis). */
  readonly redis: { readonly keys: number | null; readonly usedMemory: number | null; readonly usedMemoryPeak: number | null }
  readonly serveExitCode: number | null
  readonly serveWarnings: number
  /** What those warnings said, each with its count. */
  readonly serveWarningMessages: ReadonlyArray<readonly [string, number]>
  readonly errors: readonly string[]
  readonly samples: readonly SoakSample[]
  /** Why the run stopped early, if it did. */
  readonly aborted: string | null
  readonly totalSec: number
}

export interface SoakHooks {
  onSample?(s: SoakSample): void
  /** One line about the run's progress (limits, phases). */
  onLog?(line: string): void
  /** Stops the run early; it still reports and cleans up. */
  signal?: AbortSignal
}

class Aborted extends Error {}

/** A worker thread and the messages it sends, awaited one type at a time. */
class WorkerHandle {
  private readonly waiting = new Map<FromWorker['type'], (m: FromWorker) => void>()
  private failure: Error | null = null
  private readonly onFailure: Array<(e: Error) => void> = []
  readonly exited: Promise<void>

  constructor(readonly worker: Worker) {
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'crashed') return this.fail(new Error(`soak worker crashed: ${m.message}`))
      this.waiting.get(m.type)?.(m)
      this.waiting.delete(m.type)
    })
    worker.on('error', (err) => this.fail(err))
    this.exited = new Promise<void>((r) => worker.once('exit', () => r()))
  }

  private fail(err: Error): void {
    this.failure ??= err
    for (const f of this.onFailure.splice(0)) f(err)
  }

  send(m: ToWorker): void {
    this.worker.postMessage(m)
  }

  next<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure)
      this.onFailure.push(reject)
      this.waiting.set(type, (m) => resolve(m as Extract<FromWorker, { type: T }>))
    })
  }
}

function parseInfo(info: string, field: string): number | null {
  const m = info.match(new RegExp(`^${field}:(\\d+)`, 'm'))
  return m ? Number(m[1]) : null
}

function latencyOf(hist: readonly number[]): Latency {
  let max: number | null = null
  for (let i = hist.length - 1; i >= 0; i--) {
    if ((hist[i] ?? 0) > 0) {
      max = bucketUpperUs(i) / 1000
      break
    }
  }
  return { p50Ms: quantileMs(hist, 0.5), p99Ms: quantileMs(hist, 0.99), p999Ms: quantileMs(hist, 0.999), maxMs: max }
}

/** What is still outstanding: publishes without their PUBACK, and acknowledged messages not yet delivered where expected. */
function outstanding(v: SharedView): { unacked: number; undelivered: number } {
  const { workers, directCapacity: cap, sharedCapacity: scap, connections } = v.layout
  let unacked = 0
  let undelivered = 0
  for (let w = 0; w < workers; w++) {
    for (let s = 0; s < cap; s++) {
      const slot = w * cap + s
      const st = Atomics.load(v.directState, slot)
      if (st === 0) break // sequence numbers are taken in order: nothing after this one was sent
      if ((st & (ACKED | FAILED)) === 0) unacked++
      else if (st & ACKED && Atomics.load(v.directReceived, slot) === 0 && Atomics.load(v.up, Atomics.load(v.directTarget, slot)) === CONN_UP) undelivered++
    }
  }
  for (let k = 0; k < scap; k++) {
    const st = Atomics.load(v.sharedState, k)
    if (st === 0) break
    if ((st & (ACKED | FAILED)) === 0) unacked++
    else if (st & ACKED) for (let i = 0; i < connections; i++) if (Atomics.load(v.up, i) === CONN_UP && Atomics.load(v.sharedReceived, i * scap + k) === 0) undelivered++
  }
  return { unacked, undelivered }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export async function runSoak(options: Partial<SoakOptions> = {}, hooks: SoakHooks = {}): Promise<SoakSummary> {
  const o: SoakOptions = { ...DEFAULT_SOAK, ...options }
  const log = (line: string): void => hooks.onLog?.(line)
  const t0 = performance.now()
  const limits = prepareLimits(o.connections)
  const n = limits.connections
  if (n < 1) throw new Error(`no connection fits: ${limits.limitedBy ?? 'unknown limit'}`)
  const workers = Math.max(1, Math.min(o.workers, n))
  log(
    `limits: open files ${limits.nofileSoft} (hard ${limits.nofileHard}${limits.raisedFrom ? `, raised from ${limits.raisedFrom.soft}/${limits.raisedFrom.hard}` : ''}), ` +
      `ephemeral ports ${limits.portRange[0]}-${limits.portRange[1]}, somaxconn ${limits.somaxconn ?? '?'}, fs.file-max ${limits.fileMax ?? '?'}: ` +
      (limits.limitedBy ? `${n} of ${o.connections} connections, limited by ${limits.limitedBy}` : `${n} connections fit, nothing limits them`),
  )

  const layout: SharedLayout = {
    workers,
    connections: n,
    // Every message the run may send has its slot: the run is bounded in count as in time.
    directCapacity: Math.ceil((o.rate * o.durationSec * 1.05) / workers) + 1000,
    sharedCapacity: o.sharedEverySec > 0 ? Math.floor(o.durationSec / o.sharedEverySec) + 2 : 1,
  }
  const view = SharedView.allocate(layout)

  const abort = new AbortController()
  const onOuterAbort = (): void => abort.abort(hooks.signal?.reason ?? 'stopped')
  hooks.signal?.addEventListener('abort', onOuterAbort, { once: true })
  if (hooks.signal?.aborted) onOuterAbort()
  const aborted = new Promise<never>((_, reject) => abort.signal.addEventListener('abort', () => reject(new Aborted(String(abort.signal.reason))), { once: true }))
  aborted.catch(() => undefined)
  const guard = <T>(p: Promise<T>): Promise<T> => Promise.race([p, aborted])

  let redis: EmbeddedRedis | null = null
  let serve: ServeProcess | null = null
  let monitor: Redis | null = null
  const handles: WorkerHandle[] = []
  const dataDir = mkdtempSync(join(tmpdir(), 'mqtt-redis-soak-'))
  // Whatever is still running if this process exits on its own is killed.
  const onExit = (): void => {
    serve?.child.kill('SIGKILL')
    redis?.process.kill('SIGKILL')
  }
  process.once('exit', onExit)

  const samples: SoakSample[] = []
  const errors: string[] = []
  let phase: Phase = 'connecting'
  let serveRssPeak = 0
  let soakRssPeak = 0
  let abortedWhy: string | null = null
  let connectSec = 0
  let settleSec = 0
  let publishSec = 0
  let drainSec = 0
  let drained: boolean | null = null
  let tPub: number | null = null
  let serveFinal: number | null = null
  let soakFinal = 0
  let serveExitCode: number | null = null
  let serveWarnings = 0
  let serveWarningMessages: Array<[string, number]> = []
  const redisAtEnd = { keys: null as number | null, usedMemory: null as number | null, usedMemoryPeak: null as number | null }
  let sampler: NodeJS.Timeout | null = null
  let reporter: NodeJS.Timeout | null = null

  const noteErrors = (list: readonly string[]): void => {
    for (const e of list) if (errors.length < 20 && !errors.includes(e)) errors.push(e)
  }

  try {
    redis = await guard(startEmbeddedRedis())
    const port = await freePort()
    serve = await guard(startServeProcess({ port, redisUrl: redis.url, dataDir, node: 'soak' }))
    log(`redis-server on ${redis.url} (pid ${redis.process.pid}), serve on mqtt://127.0.0.1:${port} (pid ${serve.pid}), data in ${dataDir}`)
    const m0 = new Redis(redis.url, { maxRetriesPerRequest: 1 })
    m0.on('error', () => undefined)
    monitor = m0

    const servePid = serve.pid
    const sampleRss = (): void => {
      const s = rssOf(servePid)
      if (s !== null) serveRssPeak = Math.max(serveRssPeak, s)
      soakRssPeak = Math.max(soakRssPeak, process.memoryUsage.rss())
    }
    sampler = setInterval(sampleRss, 500)

    // Start the workers; the connect batch is split between them.
    const script = workerScript()
    const clientPrefix = `soak-${Math.random().toString(36).slice(2, 8)}-`
    const per = Math.ceil(n / workers)
    for (let w = 0; w < workers; w++) {
      const setup: WorkerSetup = {
        index: w,
        url: `mqtt://127.0.0.1:${port}`,
        from: w * per,
        to: Math.min(n, (w + 1) * per),
        batch: Math.max(1, Math.floor(o.batch / workers)),
        topicRoot: o.topicRoot,
        clientPrefix,
        payloadBytes: o.payloadBytes,
        maxInflight: Math.max(1, Math.floor(o.maxInflight / workers)),
        keepaliveSec: o.keepaliveSec,
        connectTimeoutMs: 30_000,
        buffers: view.buffers,
        layout,
      }
      handles.push(new WorkerHandle(new Worker(script, { workerData: setup })))
    }

    // A sample every reportEverySec, from the first connection on.
    const tStart = performance.now()
    let prev = { t: tStart, sent: 0, received: 0, hist: view.snapshotHist(view.directHist) }
    const takeSample = async (): Promise<void> => {
      const now = performance.now()
      const hist = view.snapshotHist(view.directHist)
      const d = histDiff(hist, prev.hist)
      const sent = view.get(C.directSent)
      const received = view.get(C.directReceived)
      const secs = (now - prev.t) / 1000
      let redisKeys: number | null = null
      let redisUsedMemory: number | null = null
      try {
        const m = monitor as Redis
        const [keys, info] = await Promise.all([m.dbsize(), m.info('memory')])
        redisKeys = keys
        redisUsedMemory = parseInfo(info, 'used_memory')
      } catch {
        // Redis busy or gone: the sample says so with nulls
      }
      const serveRss = rssOf(servePid)
      const sample: SoakSample = {
        t: Math.round((now - tStart) / 100) / 10,
        phase,
        up: view.get(C.up),
        failed: view.get(C.failed),
        dropped: view.get(C.dropped),
        sent,
        acked: view.get(C.directAcked),
        received,
        sharedSent: view.get(C.sharedSent),
        sharedReceived: view.get(C.sharedReceived),
        sentPerSec: secs > 0 ? Math.round((sent - prev.sent) / secs) : 0,
        receivedPerSec: secs > 0 ? Math.round((received - prev.received) / secs) : 0,
        p50Ms: quantileMs(d, 0.5),
        p99Ms: quantileMs(d, 0.99),
        serveRss,
        soakRss: process.memoryUsage.rss(),
        redisKeys,
        redisUsedMemory,
      }
      prev = { t: now, sent, received, hist }
      samples.push(sample)
      hooks.onSample?.(sample)
    }
    reporter = setInterval(() => void takeSample(), o.reportEverySec * 1000)

    // 1. Connect and subscribe everything.
    for (const h of handles) h.send({ type: 'connect' })
    let deadline: NodeJS.Timeout | undefined
    const connectDeadline = new Promise<never>((_, reject) => {
      deadline = setTimeout(() => reject(new Aborted(`connecting took over ${o.connectPhaseSec} s`)), o.connectPhaseSec * 1000)
    })
    const connected = await guard(Promise.race([Promise.all(handles.map((h) => h.next('connected'))), connectDeadline])).finally(() => clearTimeout(deadline))
    for (const c of connected) noteErrors(c.errors)
    connectSec = (performance.now() - tStart) / 1000
    const up = view.get(C.up)
    log(`connected: ${up} of ${n} connections up, ${view.get(C.failed)} failed, in ${connectSec.toFixed(1)} s`)
    if (up === 0) throw new Aborted('no connection came up')

    // 2. Settle: wait until the engine has put every subscription in Redis.
    if (o.settle) {
      phase = 'settling'
      const tSettle = performance.now()
      const m = monitor as Redis
      const ids: string[] = []
      for (let i = 0; i < n; i++) if (Atomics.load(view.up, i) === CONN_UP) ids.push(`${clientPrefix}${i}`)
      for (;;) {
        let missing = 0
        for (let k = 0; k < ids.length; k += 2000) {
          const p = m.pipeline()
          for (const id of ids.slice(k, k + 2000)) p.hlen(`mqtt:sub:${id}`)
          for (const [err, len] of (await guard(p.exec())) ?? []) if (err || len !== 2) missing++
        }
        if (missing === 0) break
        if (performance.now() - tSettle > o.connectPhaseSec * 1000) throw new Aborted(`after ${o.connectPhaseSec} s Redis still lacks the subscriptions of ${missing} connections`)
        await guard(sleep(100))
      }
      settleSec = (performance.now() - tSettle) / 1000
      log(`settled: Redis holds the 2 subscriptions of every connection, ${settleSec.toFixed(1)} s after the last came up`)
    }

    // 3. Publish.
    phase = 'publishing'
    tPub = performance.now()
    handles.forEach((h, w) => h.send({ type: 'publish', plan: { durationMs: o.durationSec * 1000, rate: o.rate / workers, sharedEveryMs: w === 0 ? o.sharedEverySec * 1000 : 0 } }))
    const published = await guard(Promise.all(handles.map((h) => h.next('published'))))
    for (const p of published) noteErrors(p.errors)
    publishSec = (performance.now() - tPub) / 1000
    tPub = null

    // 4. Wait until everything acknowledged has arrived (or the drain time is over).
    phase = 'draining'
    const tDrain = performance.now()
    drained = false
    for (;;) {
      const left = outstanding(view)
      if (left.unacked === 0 && left.undelivered === 0) {
        drained = true
        break
      }
      if (performance.now() - tDrain > o.drainSec * 1000) {
        log(`drain: gave up after ${o.drainSec} s with ${left.unacked} publishes unacknowledged and ${left.undelivered} deliveries missing`)
        break
      }
      await guard(sleep(100))
    }
    drainSec = (performance.now() - tDrain) / 1000
  } catch (err) {
    if (err instanceof Aborted) abortedWhy = err.message
    else if (abort.signal.aborted) abortedWhy = String(abort.signal.reason)
    else throw err
  } finally {
    // 5. End every connection, then serve, then Redis.
    if (tPub !== null) publishSec = (performance.now() - tPub) / 1000 // stopped while publishing
    // The final RSS: at the end of the run, with every connection still open.
    if (serve) {
      serveFinal = rssOf(serve.pid)
      if (serveFinal !== null) serveRssPeak = Math.max(serveRssPeak, serveFinal)
    }
    soakFinal = process.memoryUsage.rss()
    soakRssPeak = Math.max(soakRssPeak, soakFinal)
    phase = 'ending'
    if (reporter) clearInterval(reporter)
    const ends = handles.map(async (h) => {
      h.send({ type: 'end' })
      let timer: NodeJS.Timeout | undefined
      const done = await Promise.race([h.next('ended').catch(() => null), new Promise<null>((r) => (timer = setTimeout(() => r(null), 60_000)))])
      clearTimeout(timer)
      if (done) noteErrors(done.errors)
      await h.worker.terminate()
    })
    await Promise.all(ends)
    if (sampler) clearInterval(sampler)
    if (serve) {
      serveExitCode = await serve.stop()
      serveWarnings = serve.warnings()
      serveWarningMessages = [...serve.warningMessages()]
      if (serveExitCode !== 0) noteErrors([`serve exited with code ${serveExitCode}: ${serve.output().slice(-1500)}`])
    }
    if (monitor) {
      try {
        const [keys, info] = await Promise.all([monitor.dbsize(), monitor.info('memory')])
        redisAtEnd.keys = keys
        redisAtEnd.usedMemory = parseInfo(info, 'used_memory')
        redisAtEnd.usedMemoryPeak = parseInfo(info, 'used_memory_peak')
      } catch {
        // reported as unknown
      }
      monitor.disconnect()
    }
    await redis?.stop()
    rmSync(dataDir, { recursive: true, force: true })
    process.off('exit', onExit)
    hooks.signal?.removeEventListener('abort', onOuterAbort)
  }

  return summarize()

  function summarize(): SoakSummary {
    const v = view
    const { workers: W, directCapacity: cap, sharedCapacity: scap, connections } = layout
    let lost = 0
    let lostToDropped = 0
    let deliveredUnacked = 0
    for (let w = 0; w < W; w++) {
      for (let s = 0; s < cap; s++) {
        const slot = w * cap + s
        const st = v.directState[slot] ?? 0
        if (st === 0) break
        const got = v.directReceived[slot] ?? 0
        if (st & ACKED && got === 0) {
          lost++
          if (v.up[v.directTarget[slot] ?? 0] === CONN_DROPPED) lostToDropped++
        }
        if ((st & ACKED) === 0 && st & SENT && got > 0) deliveredUnacked++
      }
    }
    let expected = 0
    let sharedLost = 0
    let sharedLostToDropped = 0
    for (let k = 0; k < scap; k++) {
      const st = v.sharedState[k] ?? 0
      if (st === 0) break
      if ((st & ACKED) === 0) continue
      for (let i = 0; i < connections; i++) {
        const u = v.up[i] ?? 0
        if (u !== CONN_UP && u !== CONN_DROPPED) continue // never came up
        expected++
        if ((v.sharedReceived[i * scap + k] ?? 0) === 0) {
          sharedLost++
          if (u === CONN_DROPPED) sharedLostToDropped++
        }
      }
    }
    const sent = v.get(C.directSent)
    const directDup = v.get(C.directDuplicates)
    const sharedDup = v.get(C.sharedDuplicates)
    const upEver = v.up.reduce((a, u) => a + (u === CONN_UP || u === CONN_DROPPED ? 1 : 0), 0)
    return {
      options: o,
      limits,
      connections: { requested: o.connections, attempted: n, up: upEver, failed: v.get(C.failed), dropped: v.get(C.dropped), reconnects: v.get(C.reconnects), connectSec, settleSec },
      publishSec,
      direct: {
        sent,
        acked: v.get(C.directAcked),
        failed: v.get(C.directFailed),
        received: v.get(C.directReceived),
        lost,
        lostToDropped,
        duplicates: directDup,
        deliveredUnacked,
        heldBack: v.get(C.heldBack),
        overCapacity: v.get(C.overCapacity),
        achievedRate: publishSec > 0 ? sent / publishSec : 0,
        latency: latencyOf(v.snapshotHist(v.directHist)),
      },
      shared: {
        sent: v.get(C.sharedSent),
        acked: v.get(C.sharedAcked),
        failed: v.get(C.sharedFailed),
        expected,
        received: v.get(C.sharedReceived),
        lost: sharedLost,
        lostToDropped: sharedLostToDropped,
        duplicates: sharedDup,
        latency: latencyOf(v.snapshotHist(v.sharedHist)),
      },
      lost: lost + sharedLost,
      duplicates: directDup + sharedDup,
      misrouted: v.get(C.misrouted),
      foreign: v.get(C.foreign),
      dupFlag: v.get(C.dupFlag),
      drained,
      drainSec,
      serveRss: { peak: serveRssPeak, final: serveFinal },
      soakRss: { peak: soakRssPeak, final: soakFinal },
      redis: redisAtEnd,
      serveExitCode,
      serveWarnings,
      serveWarningMessages,
      errors,
      samples,
      aborted: abortedWhy,
      totalSec: (performance.now() - t0) / 1000,
    }
  }
}
