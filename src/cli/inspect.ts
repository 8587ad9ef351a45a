/**
 * `mqtt-redis inspect client <clientId>` and `mqtt-redis inspect topic
 * <topic>`: what Redis holds about one client or one topic, and a client's
 * recent events from the event log; readable text, or JSON with --json.
 */
import { existsSync } from 'node:fs'
import { Redis } from 'ioredis'
import type { Command } from 'commander'
import { createKeys } from '../redis/keys.js'
import { readServeAddress } from './serve-address.js'
import { inspectClient, type ClientReport } from '../inspect/client.js'
import { eventLine, recentEvents, type EventLine } from '../inspect/events.js'
import { inspectTopic, type MessageView, type StoredView, type TopicReport } from '../inspect/topic.js'
import type { ShownPayload } from '../inspect/values.js'

export interface InspectCliOptions {
  readonly redis?: string
  readonly prefix: string
  readonly log?: string
  readonly json: boolean
}

/** How many of a client's last events are shown. */
export const RECENT_EVENTS = 20
const DEFAULT_LOG = './data/events'

/** --redis, else REDIS_URL, else the Redis of the serve running from ./data (its embedded one), else the default port. */
function redisUrl(o: InspectCliOptions): string {
  return o.redis ?? process.env['REDIS_URL'] ?? (readServeAddress('./data')?.redis || 'redis://127.0.0.1:6379')
}

/** --log, else ./data/events when it exists, else none. */
function logDir(o: InspectCliOptions): string | null {
  if (o.log !== undefined) return o.log
  return existsSync(DEFAULT_LOG) ? DEFAULT_LOG : null
}

async function withRedis<T>(url: string, f: (redis: Redis) => Promise<T>): Promise<T> {
  // Fail at once when Redis is not there: an inspection should not hang.
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 5000 })
  let lastError: Error | null = null
  redis.on('error', (err: Error) => void (lastError = err))
  try {
    try {
      await redis.connect()
    } catch (err) {
      const why = lastError ?? err
      throw new Error(`cannot reach Redis at ${url}: ${why instanceof Error ? why.message : String(why)}`)
    }
    return await f(redis)
  } finally {
    redis.disconnect()
  }
}

export type ClientOutput = ClientReport & { readonly log: string | null; readonly events: readonly EventLine[] | null }

const payloadText = (p: ShownPayload): string => (typeof p === 'string' ? JSON.stringify(p) : `base64:${p.base64}`)
const short = (s: string, max = 120): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s)

export function formatClient(r: ClientOutput): string {
  const lines: string[] = [`client ${r.clientId}`]
  if (!r.known) lines.push('  no client hash (never connected, or another prefix)')
  else {
    const since = r.state === 'online' ? r.onlineAt : r.offlineAt
    lines.push(`  state          ${r.state ?? 'unknown'}${since ? ` since ${since}` : ''}`)
    lines.push(`  online_at      ${r.onlineAt ?? '-'}`)
    lines.push(`  offline_at     ${r.offlineAt ?? '-'}`)
  }
  lines.push(`  node           ${r.node ? `${r.node.name} (connected ${r.node.connectedAt ?? '?'})` : '-'}`)
  lines.push(`  subscriptions  ${r.subscriptions.length}`)
  for (const s of r.subscriptions) {
    lines.push(`    ${s.filter}  qos ${s.qos}${s.pubsub ? `  pubsub: start seq ${s.pubsub.since}, backlog ${s.pubsub.backlog}` : ''}`)
    for (const t of s.pubsub?.topics ?? []) {
      lines.push(`      ${t.topic}  cursor ${t.cursor ?? '-'}${t.ackedMsgId ? ` (${t.ackedMsgId})` : ''}  backlog ${t.backlog}`)
    }
  }
  lines.push(`  queue held     ${r.queueHeld.length}`)
  for (const h of r.queueHeld) lines.push(`    ${h.topic}  ${h.msgId}`)
  lines.push(`  session        ${r.session.subscriptions.length} persistent subscriptions, ${r.session.queuedPackets} queued packets`)
  for (const s of r.session.subscriptions) lines.push(`    ${s.filter}  qos ${s.qos}`)
  if (r.events === null) lines.push('  events         no event log (give --log DIR)')
  else {
    lines.push(`  events         last ${r.events.length} in ${r.log}`)
    for (const e of r.events) lines.push(`    ${e.time}  #${e.position}  ${e.type}  ${short(JSON.stringify(e.data))}`)
  }
  return lines.join('\n')
}

function messageLine(m: MessageView): string {
  return `id ${m.id}, from ${m.from}, qos ${m.qos}, at ${m.time ?? '?'}, payload ${short(payloadText(m.payload), 80)}`
}

function storedLine(m: StoredView | null): string {
  if (!m) return '-'
  if (m.gone) return `seq ${m.seq}, id ${m.id} (gone: expired)`
  return `seq ${m.seq}, ${messageLine(m)}, expires ${m.expiresAt ?? '?'}${m.expired ? ' (expired)' : ''}`
}

export function formatTopic(r: TopicReport): string {
  const lines: string[] = [`topic ${r.topic}`]
  lines.push(`  retained       ${r.retained ? messageLine(r.retained) : '-'}`)
  lines.push(`  stored         ${r.stored.count} (${r.stored.live} not expired)`)
  lines.push(`    oldest       ${storedLine(r.stored.oldest)}`)
  lines.push(`    newest       ${storedLine(r.stored.newest)}`)
  const held = Object.entries(r.stored.held)
  if (held.length > 0) lines.push(`    held         ${held.map(([id, c]) => `${id} by ${c}`).join(', ')}`)
  if (r.stored.latest !== null) lines.push(`    latest       ${r.stored.latest}`)
  lines.push(`  pubsub cursors ${r.cursors.length}`)
  for (const c of r.cursors) lines.push(`    ${c.clientId}  ${c.filter}  start ${c.since}  cursor ${c.cursor ?? '-'}  behind ${c.behind}`)
  lines.push(`  subscriptions  ${r.subscriptions.length}`)
  for (const s of r.subscriptions) lines.push(`    ${s.clientId}  ${s.filter}  qos ${s.qos}${s.persistent ? '  persistent' : ''}`)
  return lines.join('\n')
}

function fail(what: string, err: unknown): number {
  process.stderr.write(`mqtt-redis inspect ${what}: ${err instanceof Error ? err.message : String(err)}\n`)
  return 1
}

export async function runInspectClient(clientId: string, o: InspectCliOptions): Promise<number> {
  try {
    const report = await withRedis(redisUrl(o), (redis) => inspectClient(redis, createKeys(o.prefix), clientId, Date.now()))
    const log = logDir(o)
    const events = log === null ? null : (await recentEvents(log, clientId, RECENT_EVENTS)).map(eventLine)
    const out: ClientOutput = { ...report, log, events }
    process.stdout.write((o.json ? JSON.stringify(out) : formatClient(out)) + '\n')
    return 0
  } catch (err) {
    return fail('client', err)
  }
}

export async function runInspectTopic(topic: string, o: InspectCliOptions): Promise<number> {
  try {
    const report = await withRedis(redisUrl(o), (redis) => inspectTopic(redis, createKeys(o.prefix), topic, Date.now()))
    process.stdout.write((o.json ? JSON.stringify(report) : formatTopic(report)) + '\n')
    return 0
  } catch (err) {
    return fail('topic', err)
  }
}

/** On failure, exit at once: ioredis may hold a reconnect timer for a while after a refused connection. */
function exitWith(code: number): void {
  if (code === 0) return
  process.exit(code)
}

export function registerInspect(program: Command): void {
  const inspect = program.command('inspect').description('show what Redis (and the event log) hold about a client or a topic')
  const common = (c: Command): Command =>
    c
      .option('--redis <url>', 'Redis URL (default: REDIS_URL, else the Redis of the serve running from ./data, else redis://127.0.0.1:6379)')
      .option('--prefix <prefix>', 'key prefix', 'mqtt:')
      .option('--log <dir>', `event log directory (default: ${DEFAULT_LOG} if it exists)`)
      .option('--json', 'machine-readable output (one JSON object)', false)
  common(inspect.command('client <clientId>'))
    .description('a client: state and since when, node, subscriptions, pubsub cursors and backlogs, held queue messages, recent events')
    .action(async (clientId: string, opts: InspectCliOptions) => {
      exitWith(await runInspectClient(clientId, opts))
    })
  common(inspect.command('topic <topic>'))
    .description('a topic: retained message, stored messages, pubsub cursors, matching stored subscriptions')
    .action(async (topic: string, opts: InspectCliOptions) => {
      exitWith(await runInspectTopic(topic, opts))
    })
}
