/**
 * The MQTT.js client store in Redis beside MQTT.js' in-memory Store: put+del
 * round trips per second (a QoS 1 message stored, then deleted when its
 * PUBACK would arrive), one run, one embedded redis-server on this host (the
 * setting the store is meant for). Two shapes: one message in flight at a
 * time, and 64 in flight (a client publishing faster than acks return).
 * A third row per shape is the floor any Redis store pays: a bare HSET then
 * HDEL of the same bytes through ioredis, one round trip each, as the
 * store's put (one script call) and del (one MULTI) are.
 * Ratios, not absolute timings, are what to compare.
 * Usage: npm run build && node dist/bench/client-store.js [--ops N] [--payload BYTES]
 */
import { Redis } from 'ioredis'
import { Store, type IStore } from 'mqtt'
import { createRedisStores, encodePacket } from '../src/client-store/index.js'
import { startEmbeddedRedis } from '../src/redis/embedded.js'

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name)
  const v = i > 0 ? Number(process.argv[i + 1]) : fallback
  return Number.isFinite(v) && v > 0 ? v : fallback
}

const OPS = arg('--ops', 20_000)
const PAYLOAD = Buffer.alloc(arg('--payload', 64), 0x61)

type Packet = Parameters<IStore['put']>[0]
const packet = (messageId: number): Packet => ({ cmd: 'publish', topic: 'bench/client-store', payload: PAYLOAD, qos: 1, retain: false, dup: false, messageId })

function storeRoundTrip(store: IStore): (messageId: number) => Promise<void> {
  return (messageId) => roundTrip(store, messageId)
}

function roundTrip(store: IStore, messageId: number): Promise<void> {
  return new Promise((resolve, reject) => {
    store.put(packet(messageId), (err) => {
      if (err) return reject(err)
      store.del({ messageId }, (err2) => (err2 ? reject(err2) : resolve()))
    })
  })
}

/** Round trips per second with `inFlight` message ids in use at once. */
async function measure(trip: (messageId: number) => Promise<void>, inFlight: number): Promise<number> {
  let next = 0
  const worker = async (slot: number): Promise<void> => {
    while (next < OPS) {
      next++
      await trip(slot + 1)
    }
  }
  const t0 = process.hrtime.bigint()
  await Promise.all(Array.from({ length: inFlight }, (_, slot) => worker(slot)))
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  return (OPS / ms) * 1000
}

async function main(): Promise<void> {
  const server = await startEmbeddedRedis()
  const stores = createRedisStores({ redis: server.url, clientId: 'bench', serverUri: 'mqtt://bench:1883' })
  await stores.ready()
  const bare = new Redis(server.url)
  const bytes = encodePacket(packet(1))
  const bareTrip = async (messageId: number): Promise<void> => {
    await bare.hset('bench:bare', String(messageId), bytes)
    await bare.hdel('bench:bare', String(messageId))
  }
  await measure(storeRoundTrip(stores.outgoing), 64) // warm-up: connections, script cache, JIT
  await measure(bareTrip, 64)

  const rows: Array<[string, number, number]> = []
  for (const inFlight of [1, 64]) {
    const memory = await measure(storeRoundTrip(new Store()), inFlight)
    const redis = await measure(storeRoundTrip(stores.outgoing), inFlight)
    const floor = await measure(bareTrip, inFlight)
    rows.push(
      [`MQTT.js in-memory Store, ${inFlight} in flight`, memory, 1],
      [`Redis store, ${inFlight} in flight`, redis, redis / memory],
      [`bare ioredis HSET+HDEL, ${inFlight} in flight`, floor, floor / memory],
    )
  }
  bare.disconnect()
  await stores.close()
  await server.stop()

  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
  console.log(`${fmt(OPS)} put+del round trips per row, ${PAYLOAD.length}-byte payload, redis-server on 127.0.0.1`)
  console.log('| store | round trips/s | ratio to in-memory |')
  console.log('|---|---|---|')
  for (const [name, rate, ratio] of rows) console.log(`| ${name} | ${fmt(rate)} | ${ratio.toFixed(4)} |`)
}

await main()
