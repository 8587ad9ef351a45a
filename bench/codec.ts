/**
 * Event codec speed: a mixed workload of domain events (every type, payloads
 * from a few bytes of JSON to a few hundred binary bytes) encoded and decoded
 * as JSON (schema version 3, the way the log stored events before) and as
 * binary records (version 4, what it stores now), in one run.
 * Usage: node dist/bench/codec.js [--events N] [--rounds R]
 */
import { deepStrictEqual } from 'node:assert'
import type { DomainEvent } from '../src/events/domain.js'
import { decodeEvent, encodeEvent } from '../src/log/codec.js'
import { encodeRecords } from '../src/log/segment.js'

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const N = arg('--events', 200_000)
const ROUNDS = arg('--rounds', 5)
const BATCH = 1000

function eventAt(i: number, at: number): DomainEvent {
  const clientId = `dev-${i % 10_000}`
  const meta = { clientId, node: 'node-1', seq: Math.floor(i / 10_000) + 1, at: at + i }
  const reading = Buffer.from(`{"temp":${(i % 300) / 10},"unit":"C"}`)
  switch (i % 10) {
    case 0:
      return { type: 'ClientConnected', meta, data: { connectionId: `k${i}`, username: i % 20 === 0 ? null : `user-${i % 500}`, cleanStart: i % 3 === 0, protocolVersion: 5 } }
    case 1:
      return { type: 'SubscriptionAdded', meta, data: { filter: `cmd/${clientId}/#`, qos: 1, options: { nl: false, rap: false, rh: 0 }, fetch: true, pubsubStart: 'latest' } }
    case 2:
      return { type: 'RetainedMessageSet', meta, data: { msgId: `r${i}`, topic: `state/${clientId}`, qos: 1, payload: reading } }
    case 3:
      return { type: 'MessageStored', meta, data: { msgId: `m${i}`, topic: `pubsub/${i % 100}`, qos: 1, payload: reading, retain: false, mode: 'pubsub', expiresAt: at + i + 7_200_000 } }
    case 4: {
      const blob = Buffer.alloc(200 + (i % 57))
      for (let k = 0; k < blob.length; k++) blob[k] = (i * 31 + k * 7) & 0xff
      return { type: 'MessageStored', meta, data: { msgId: `m${i}`, topic: `queue/jobs/${i % 16}`, qos: 2, payload: blob, retain: false, mode: 'queue', expiresAt: at + i + 86_400_000 } }
    }
    case 5:
      return { type: 'MessageAcked', meta, data: { msgId: `m${i - 2}`, topic: `pubsub/${(i - 2) % 100}`, mode: 'pubsub' } }
    case 6:
      return { type: 'SubscriptionRemoved', meta, data: { filter: `cmd/${clientId}/#` } }
    case 7:
      return { type: 'RetainedMessageCleared', meta, data: { topic: `state/${clientId}/température` } }
    case 8:
      return { type: 'MessageStored', meta, data: { msgId: `m${i}`, topic: `latest/${i % 50}`, qos: 1, payload: Buffer.alloc(64, i & 0xff), retain: true, mode: 'latest', expiresAt: at + i + 3_600_000 } }
    default:
      return { type: 'ClientDisconnected', meta, data: { connectionId: `k${i - 9}`, reason: i % 7 === 0 ? 'keepalive timeout' : 'normal', heldQueue: i % 4 === 0 } }
  }
}

/** A version 3 record, built as the log wrote them before version 4: JSON text, payload as {"$b64": ...}. */
function jsonV3(e: DomainEvent): Buffer {
  const data = 'payload' in e.data && e.data.payload !== null ? { ...e.data, payload: { $b64: e.data.payload.toString('base64') } } : e.data
  return Buffer.from(JSON.stringify({ v: 3, type: e.type, data, meta: e.meta }), 'utf8')
}

/**
 * Median microseconds per event of each task over `ROUNDS` rounds, after one
 * unmeasured round. Each round runs every task once, in turn, so a slow
 * spell of the machine is shared out rather than landing on one task.
 */
function measure(tasks: ReadonlyArray<() => number>): number[] {
  let sink = 0
  for (const run of tasks) sink += run()
  const us = tasks.map((): number[] => [])
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, run] of tasks.entries()) {
      const t0 = process.hrtime.bigint()
      sink += run()
      us[k]!.push(Number(process.hrtime.bigint() - t0) / 1e3 / N)
    }
  }
  if (sink === -1) console.log('')
  return us.map((xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!)
}

function main(): void {
  const at = 1_700_000_000_000
  const events = Array.from({ length: N }, (_, i) => eventAt(i, at))
  const json = events.map(jsonV3)
  const binary = events.map(encodeEvent)
  for (let i = 0; i < Math.min(N, 100); i++) {
    deepStrictEqual(decodeEvent(json[i]!), events[i])
    deepStrictEqual(decodeEvent(binary[i]!), events[i])
  }
  const bytes = (bufs: Buffer[]): number => bufs.reduce((n, b) => n + b.length, 0) / N

  const [encodeJson, encodeBinary, frameBinary, decodeJson, decodeBinary] = measure([
    () => {
      let n = 0
      for (const e of events) n += jsonV3(e).length
      return n
    },
    () => {
      let n = 0
      for (const e of events) n += encodeEvent(e).length
      return n
    },
    () => {
      let n = 0
      for (let i = 0; i < N; i += BATCH) n += encodeRecords(events.slice(i, i + BATCH), i + 1).length
      return n
    },
    () => {
      let n = 0
      for (const b of json) n += decodeEvent(b).meta.seq
      return n
    },
    () => {
      let n = 0
      for (const b of binary) n += decodeEvent(b).meta.seq
      return n
    },
  ]) as [number, number, number, number, number]

  const row = (name: string, us: number): string => `${name.padEnd(48)} ${us.toFixed(3).padStart(7)} us/event  ${Math.round(1 / us * 1e6).toLocaleString('en-US').padStart(11)} events/s`
  console.log(`${N} events, mixed workload; median of ${ROUNDS} rounds; node ${process.version}`)
  console.log(`bytes/event: JSON v3 ${bytes(json).toFixed(1)}, binary v4 ${bytes(binary).toFixed(1)}`)
  console.log(row('encode JSON v3 (JSON.stringify, base64)', encodeJson))
  console.log(row('encode binary v4 (encodeEvent)', encodeBinary))
  console.log(row(`encode binary v4, framed (encodeRecords x${BATCH})`, frameBinary))
  console.log(row('decode JSON v3 (decodeEvent, upcast, shape)', decodeJson))
  console.log(row('decode binary v4 (decodeEvent)', decodeBinary))
  console.log(`decode speedup ${(decodeJson / decodeBinary).toFixed(1)}x, encode speedup ${(encodeJson / encodeBinary).toFixed(1)}x`)
}

main()
