/**
 * The peer: aedes-persistence-redis 11 (a devDependency), constructed as
 * bench/aedes/common.ts does (its main export, the callback wrapper whose
 * calls without a callback return promises) and set up with the minimal
 * broker aedes-persistence's contract suite builds. Only the calls the bench
 * makes are typed here.
 */
import { createRequire } from 'node:module'
import type { Readable } from 'node:stream'
import { fakeBroker, type AnyPacket, type BenchSub } from '../aedes/common.js'

export interface PeerPersistence {
  setup(broker: object): Promise<void>
  storeRetained(packet: AnyPacket): Promise<void>
  createRetainedStreamCombi(patterns: readonly string[]): Readable
  addSubscriptions(client: { id: string }, subs: readonly BenchSub[]): Promise<unknown>
  removeSubscriptions(client: { id: string }, topics: readonly string[]): Promise<unknown>
  outgoingEnqueueCombi(subs: readonly BenchSub[], packet: AnyPacket): Promise<void>
  outgoingStream(client: { id: string }): Readable
  destroy(): Promise<void>
}

export const PEER_LABEL = 'aedes-persistence-redis 11.2.2'
export const PEER_BROKER_ID = 'bench-broker'

const require = createRequire(import.meta.url)

/** A set-up peer on database 0 of the bench's redis-server. */
export async function openPeer(port: number, opts: { maxSessionDelivery?: number } = {}): Promise<PeerPersistence> {
  const factory = require('aedes-persistence-redis') as (o: object) => PeerPersistence
  const p = factory({ host: '127.0.0.1', port, db: 0, ...opts })
  await p.setup(fakeBroker(PEER_BROKER_ID))
  return p
}

/** Read a stream to its end; resolves with the number of items. */
export async function drain(stream: Readable): Promise<number> {
  let n = 0
  for await (const item of stream) if (item !== undefined) n++
  return n
}
