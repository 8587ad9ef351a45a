/**
 * What `mqtt-redis serve --config` must do on any Redis topology that can be
 * its default pool, checked end to end with real MQTT clients: a spec file
 * per topology calls `engineContract` with a `setup` that starts the
 * topology and says how to reach it.
 *
 * A topology spec is small:
 *
 * ```ts
 * engineContract('single redis-server', async () => {
 *   const server = await startEmbeddedRedis()
 *   return { pool: singlePool(server.port), redis: new Redis(server.url), keyPrefix: (p) => p, stop: ... }
 * })
 * ```
 *
 * The contract writes the JSON configuration (pool1 = `pool`, with the
 * default function rules, `mqtt_channel` and a raw command rule), runs serve
 * on it with `--prefix`, and reads the engine's keys through `redis` under
 * `keyPrefix(prefix)` (a Redis Cluster hash-tags the prefix: `{mqtt}:`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Cluster, type Redis } from 'ioredis'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { CHANNEL, connKey, topologyConfig, type JsonPool } from '../support/topology-config.js'
import { eventually, startServe, type Served } from '../support/serve.js'

export interface Topology {
  /** pool1 of the configuration: the engine's own keys, the rule commands and the channel go there. */
  readonly pool: JsonPool
  /** A client on the same Redis, for reading the keys and publishing control commands. */
  readonly redis: Redis | Cluster
  /** How the engine's keys start for `serve --prefix prefix` on this topology. */
  keyPrefix(prefix: string): string
  /** Stop the topology (and `redis`). */
  stop(): Promise<void>
}

export interface ContractOptions {
  /** Passed to serve as --prefix (default `topo:`; not the default `mqtt:`, so the contract proves the prefix is used). */
  readonly prefix?: string
}

type Received = { readonly topic: string; readonly payload: string; readonly retain: boolean }

/**
 * Registers a `describe` block of the contract for topology `name`.
 *
 * @example
 * engineContract('sentinel', async () => ({ pool: sentinelPool(s.sentinels, s.masterName), redis, keyPrefix: (p) => p, stop }))
 */
export function engineContract(name: string, setup: () => Promise<Topology>, opts: ContractOptions = {}): void {
  const prefix = opts.prefix ?? 'topo:'
  const node = 'contract-node'
  let topology: Topology | undefined
  let served: Served | undefined
  let dir: string | undefined
  const clients: MqttClient[] = []

  const t = (): Topology => {
    if (!topology) throw new Error('the topology is not started')
    return topology
  }
  const redis = (): Redis | Cluster => t().redis
  const key = (rest: string): string => `${t().keyPrefix(prefix)}${rest}`

  async function connect(clientId: string, extra: mqtt.IClientOptions = {}): Promise<MqttClient> {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${served?.port}`, { clientId, reconnectPeriod: 0, ...extra })
    c.on('error', () => undefined)
    clients.push(c)
    return c
  }
  function collect(c: MqttClient): Received[] {
    const got: Received[] = []
    c.on('message', (topic, payload, packet) => void got.push({ topic, payload: payload.toString(), retain: packet.retain }))
    return got
  }
  /** Connect, subscribe (QoS 1), and leave: the subscription stays stored for the client id. */
  async function subscribeAndLeave(clientId: string, filter: string): Promise<void> {
    const c = await connect(clientId)
    await c.subscribeAsync(filter, { qos: 1 })
    await eventually(async () => expect(await redis().hget(key(`sub:${clientId}`), filter)).toBe('1'))
    await c.endAsync()
    await eventually(async () => expect(await redis().hget(key(`client:${clientId}`), 'state')).toBe('0'))
  }

  describe(`engine contract: ${name}`, () => {
    beforeAll(async () => {
      topology = await setup()
      dir = mkdtempSync(join(tmpdir(), 'mqtt-redis-topology-'))
      const file = join(dir, 'config.json')
      writeFileSync(file, JSON.stringify(topologyConfig(topology.pool), null, 2))
      served = await startServe(['--config', file, '--node', node, '--prefix', prefix, '--data', join(dir, 'data')])
    }, 60_000)
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
    })
    afterAll(async () => {
      await served?.stop()
      await topology?.stop()
      if (dir) rmSync(dir, { recursive: true, force: true })
    })

    it('keeps the client hash and the node hash as a client connects and goes away', async () => {
      const c = await connect('ct-online')
      await eventually(async () => expect(await redis().hgetall(key('client:ct-online'))).toMatchObject({ state: '1', offline_at: 'undefined' }))
      expect(await redis().hget(key('client:ct-online'), 'online_at')).toMatch(/^\d{10}$/)
      expect(await redis().hget(key(`node:${node}`), 'ct-online')).toMatch(/^\d{10}$/)
      await c.endAsync()
      await eventually(async () => {
        const h = await redis().hgetall(key('client:ct-online'))
        expect(h['state']).toBe('0')
        expect(h['offline_at']).toMatch(/^\d{10}$/)
      })
      expect(await redis().hexists(key(`node:${node}`), 'ct-online')).toBe(0)
    })

    it('subscribes a reconnecting client to its stored subscriptions', async () => {
      await subscribeAndLeave('ct-sub', 'alerts/ct/#')
      const back = await connect('ct-sub')
      const got = collect(back)
      const pub = await connect('ct-sub-pub')
      // The restore races this publish: publish until one arrives.
      let n = 0
      await eventually(async () => {
        await pub.publishAsync('alerts/ct/fire', `f${++n}`, { qos: 1 })
        expect(got.map((m) => m.topic)).toContain('alerts/ct/fire')
      })
      expect(await redis().hgetall(key('sub:ct-sub'))).toEqual({ 'alerts/ct/#': '1' })
    })

    it('stores retained messages and delivers the matching ones to a later wildcard subscriber', async () => {
      const p = await connect('ct-ret-pub')
      await p.publishAsync('ct/home/kitchen/temp', '21.5', { qos: 1, retain: true })
      await p.publishAsync('ct/home/hall/temp', '19', { qos: 1, retain: true })
      await p.publishAsync('ct/home/hall/hum', '40', { qos: 1, retain: true })
      const h = await redis().hgetall(key('retain:ct/home/kitchen/temp'))
      expect(h).toMatchObject({ from: 'ct-ret-pub', qos: '1', topic: 'ct/home/kitchen/temp', retain: 'true', payload: '21.5' })
      expect(h['id']).toMatch(/^[0-9A-Za-z]{20}$/)
      expect(await redis().zscore(key('idx:retain'), 'ct/home/hall/hum')).toBe('0')

      const s = await connect('ct-ret-sub')
      const got = collect(s)
      await s.subscribeAsync('ct/home/+/temp', { qos: 1 })
      await eventually(async () => expect(got).toHaveLength(2))
      expect(got.map((m) => `${m.topic} ${m.payload} ${m.retain}`).sort()).toEqual(['ct/home/hall/temp 19 true', 'ct/home/kitchen/temp 21.5 true'])
    })

    it('delivers the pubsub messages a client missed, in publish order, after it reconnects', async () => {
      await subscribeAndLeave('ct-ps', 'pubsub/ct/x')
      const p = await connect('ct-ps-pub')
      for (let i = 1; i <= 5; i++) await p.publishAsync('pubsub/ct/x', `m${i}`, { qos: 1 })
      expect(await redis().zcard(key('msg:pubsub/ct/x'))).toBe(5)
      const back = await connect('ct-ps')
      const got = collect(back)
      await back.subscribeAsync('pubsub/ct/x', { qos: 1 })
      await eventually(async () => expect(got).toHaveLength(5))
      expect(got.map((m) => m.payload)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5'])
      // The acks move the client's cursor to the last one.
      const [, lastSeq] = await redis().zrange(key('msg:pubsub/ct/x'), -1, -1, 'WITHSCORES')
      expect(lastSeq).toMatch(/^\d+$/)
      await eventually(async () => expect(await redis().hget(key('idx:cursor:ct-ps'), 'pubsub/ct/x')).toBe(lastSeq))
    })

    it('runs the raw command rule of the configuration', async () => {
      await connect('ct-cmd')
      await eventually(async () => expect(await redis().get(connKey('ct-cmd'))).toBe(node))
    })

    it('makes a connected client subscribe on an mqtt_channel command', async () => {
      const dev = await connect('ct-chan')
      const got = collect(dev)
      const command = JSON.stringify({ type: 'subscribe', topic: 'cmd/ct-chan', clientid: 'ct-chan', qos: 1 })
      const r = redis()
      // Until the engine's channel subscription is up, a PUBLISH reaches nobody: send until it is taken.
      await eventually(async () => {
        await (r instanceof Cluster ? r.spublish(CHANNEL, command) : r.publish(CHANNEL, command))
        expect(await r.hget(key('sub:ct-chan'), 'cmd/ct-chan')).toBe('1')
      })
      const pub = await connect('ct-chan-pub')
      await pub.publishAsync('cmd/ct-chan', 'reboot', { qos: 1 })
      await eventually(async () => expect(got.map((m) => `${m.topic} ${m.payload}`)).toContain('cmd/ct-chan reboot'))
    })
  })
}
