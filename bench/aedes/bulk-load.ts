/**
 * Filling both stores with N persistent sessions' subscriptions, fast (the
 * setup of the startup benchmark, not what it measures). Every session `c<i>`
 * has two QoS 1 subscriptions, as Aedes hands them to addSubscriptions:
 * - `dev/c<i>/cmd`: its own topic, an exact filter (with `ownWildcard`,
 *   `dev/c<i>/+` instead: N distinct wildcard filters);
 * - `group/<i % 100>/#`: one of 100 wildcard filters shared by all sessions.
 *
 * Each store gets the very keys its persistence writes, in pipelined batches:
 * - ours: the two domain events a `session.subscribe` input decides
 *   (SubscriptionAdded, SessionSubscriptionStored), through the project's
 *   own projections and applyWrites, as the engine applies them;
 * - aedes-persistence-redis: what its addSubscriptions writes (SADD clients,
 *   HSET client:<id> <filter> <msgpack of the subscription>).
 */
import { Redis } from 'ioredis'
import { createRequire } from 'node:module'
import { project, type RedisWrite } from '../../projections/index.js'
import type { DomainEvent } from '../../src/events/domain.js'
import { applyWrites } from '../../src/redis/apply.js'
import { createKeys } from '../../src/redis/keys.js'
import { packetToJson } from '../../src/util/packet-json.js'
import { OURS_PREFIX, PEER_DB, type BenchSub } from './common.js'

// aedes-persistence-redis' own encoder (a dependency of it).
const msgpack = createRequire(import.meta.url)('msgpack-lite') as { encode(value: unknown): Buffer }

export const GROUPS = 100
const CHUNK = 1000

export function sessionSubs(i: number, ownWildcard = false): BenchSub[] {
  return [
    { topic: ownWildcard ? `dev/c${i}/+` : `dev/c${i}/cmd`, qos: 1, rh: 0, rap: false, nl: false },
    { topic: `group/${i % GROUPS}/#`, qos: 1, rh: 0, rap: false, nl: false },
  ]
}

export async function loadOurs(port: number, clients: number, node: string, ownWildcard = false): Promise<void> {
  const redis = new Redis({ host: '127.0.0.1', port })
  const keys = createKeys(OURS_PREFIX)
  const at = Date.now()
  try {
    for (let from = 0; from < clients; from += CHUNK) {
      const writes: RedisWrite[] = []
      for (let i = from; i < Math.min(clients, from + CHUNK); i++) {
        const clientId = `c${i}`
        let seq = 0
        for (const sub of sessionSubs(i, ownWildcard)) {
          const options = { nl: sub.nl ?? false, rap: sub.rap ?? false, rh: (sub.rh ?? 0) as 0 | 1 | 2 }
          const events: DomainEvent[] = [
            { type: 'SubscriptionAdded', meta: { clientId, node, seq: ++seq, at }, data: { filter: sub.topic, qos: sub.qos, options, fetch: false, pubsubStart: null } },
            { type: 'SessionSubscriptionStored', meta: { clientId, node, seq: ++seq, at }, data: { filter: sub.topic, qos: sub.qos, stored: packetToJson(sub) } },
          ]
          for (const e of events) writes.push(...project(e, keys))
        }
      }
      const r = await applyWrites(redis, writes)
      if (r.errors.length > 0) throw new Error(`loading our store: ${r.errors.length} writes failed, first: ${r.errors[0]?.error.message}`)
    }
  } finally {
    redis.disconnect()
  }
}

export async function loadPeer(port: number, clients: number, ownWildcard = false): Promise<void> {
  const redis = new Redis({ host: '127.0.0.1', port, db: PEER_DB })
  try {
    for (let from = 0; from < clients; from += CHUNK) {
      const p = redis.pipeline()
      for (let i = from; i < Math.min(clients, from + CHUNK); i++) {
        const clientId = `c${i}`
        const fields: Array<string | Buffer> = []
        for (const sub of sessionSubs(i, ownWildcard)) fields.push(sub.topic, msgpack.encode(sub))
        p.sadd('clients', clientId)
        p.hset(`client:${encodeURIComponent(clientId)}`, ...fields)
      }
      for (const [err] of (await p.exec()) ?? []) if (err) throw err
    }
  } finally {
    redis.disconnect()
  }
}
