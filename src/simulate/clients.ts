/**
 * The simulated clients: devices that publish telemetry and misbehave now
 * and then, and persistent-session subscribers that come and go.
 */
import mqtt, { type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt'
import { BAD_ACTIONS, nextTick, type ExtraAction } from './actions.js'
import { malformedPublish, telemetry } from './payload.js'
import { createRandom, deriveSeed, type Random } from './random.js'
import type { Counters } from './stats.js'

export interface ClientSettings {
  readonly url: string
  readonly seed: number
  /** 4 (MQTT 3.1.1, what Aedes speaks) or 5. */
  readonly mqttVersion: 4 | 5
  /** How long MQTT.js waits before connecting again after a lost connection. */
  readonly reconnectMs: number
  /** Message expiry of the retained status message, seconds (sent on MQTT 5 only). */
  readonly statusExpirySec: number
}

/** The filters every persistent subscriber holds, at QoS 1. */
export const SUBSCRIBER_FILTERS = ['pubsub/sim/#', 'queue/sim/#'] as const

export const deviceId = (i: number): string => `sim-${i}`
export const subscriberId = (j: number): string => `sim-sub-${j}`

/** The topics a device uses. */
export function deviceTopics(clientId: string) {
  return {
    telemetry: `store-last-message/${clientId}`,
    drop: `message-drop-test/${clientId}`,
    pubsub: `pubsub/sim/${clientId}`,
    queue: `queue/sim/${clientId}`,
    status: `pubsub/sim/${clientId}/status`,
    forbidden: `$SYS/sim/${clientId}`,
    wildcard: `sim/${clientId}/+`,
    commands: `cmd/sim/${clientId}`,
  }
}

function baseOptions(s: ClientSettings, clientId: string): IClientOptions {
  return { clientId, protocolVersion: s.mqttVersion, reconnectPeriod: s.reconnectMs, connectTimeout: 5000, keepalive: 30 }
}

/**
 * End a client: with DISCONNECT when it is connected and its QoS 1
 * publishes are through (waiting up to `graceMs` for them), else by closing
 * the socket. Resolves once MQTT.js is done with it.
 */
export async function endClient(c: MqttClient, graceMs = 1000): Promise<void> {
  const inFlight = (): number => Object.keys(c.outgoing).length
  const until = Date.now() + graceMs
  while (c.connected && inFlight() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
  const force = !c.connected || inFlight() > 0
  await new Promise<void>((resolve) => {
    const safety = setTimeout(resolve, 3000)
    c.end(force, () => {
      clearTimeout(safety)
      resolve()
    })
  })
}

export class Device {
  readonly clientId: string
  private readonly random: Random
  private readonly topics: ReturnType<typeof deviceTopics>
  private readonly startedAt = Date.now()
  private client: MqttClient | null = null
  private stopping = false

  constructor(index: number, private readonly s: ClientSettings, private readonly counters: Counters) {
    this.clientId = deviceId(index)
    this.random = createRandom(deriveSeed(s.seed, 'device', index))
    this.topics = deviceTopics(this.clientId)
  }

  get online(): boolean {
    return this.client?.connected === true
  }

  start(): void {
    const c = mqtt.connect(this.s.url, { ...baseOptions(this.s, this.clientId), clean: true })
    let first = true
    c.on('connect', () => {
      if (!first) this.counters.reconnects++
      first = false
      // A device listens for commands, as real ones do (and so has a stored subscription).
      c.subscribe(this.topics.commands, { qos: 1 }, (err) => {
        if (err && !this.stopping) this.counters.errors++
      })
    })
    c.on('error', () => {
      if (!this.stopping) this.counters.errors++
    })
    this.client = c
  }

  /**
   * One tick: draw the plan and the telemetry (always, so the random stream
   * does not depend on timing), then act if connected.
   */
  tick(): ExtraAction | null {
    const { extra } = nextTick(this.random)
    const t = telemetry(this.random, this.clientId, Date.now() - this.startedAt)
    const c = this.client
    if (!c || !c.connected || this.stopping) {
      this.counters.skipped++
      return extra
    }
    const body = JSON.stringify(t)
    this.publish(c, this.topics.telemetry, body, { qos: 1 })
    switch (extra) {
      case null:
        break
      case 'drop':
        this.publish(c, this.topics.drop, body, { qos: 0 })
        break
      case 'pubsub':
        this.publish(c, this.topics.pubsub, body, { qos: 1 })
        break
      case 'queue':
        this.publish(c, this.topics.queue, JSON.stringify({ job: 'calibrate', clientId: this.clientId, temp: t.temp }), { qos: 1 })
        break
      case 'retained': {
        const opts: IClientPublishOptions = { qos: 1, retain: true }
        // MQTT 3.1.1 has no message expiry; MQTT.js drops properties there, so only v5 sends it.
        if (this.s.mqttVersion === 5) opts.properties = { messageExpiryInterval: this.s.statusExpirySec }
        this.publish(c, this.topics.status, JSON.stringify({ clientId: this.clientId, status: 'online', temp: t.temp }), opts)
        break
      }
      case 'forbidden':
        this.publish(c, this.topics.forbidden, 'forged', { qos: 0 })
        break
      case 'wildcard':
        this.publish(c, this.topics.wildcard, 'wild', { qos: 0 })
        break
      case 'malformed':
        this.counters.sent++
        c.stream.write(malformedPublish())
        break
    }
    if (extra !== null && BAD_ACTIONS.has(extra)) this.counters.bad++
    return extra
  }

  private publish(c: MqttClient, topic: string, body: string, opts: IClientPublishOptions): void {
    this.counters.sent++
    c.publish(topic, body, opts, (err) => {
      if (err) {
        if (!this.stopping) this.counters.errors++
      } else if ((opts.qos ?? 0) > 0) {
        this.counters.acked++
      }
    })
  }

  async stop(): Promise<void> {
    this.stopping = true
    const c = this.client
    if (c) await endClient(c)
  }
}

/**
 * A persistent session (clean: false) subscribed at QoS 1 to the pubsub and
 * queue topics of the devices. It stays for 2 to 4 s, leaves with a
 * DISCONNECT, and comes back 1 to 3 s later, so messages are kept for it
 * while it is away. At most one connection at a time.
 */
export class Subscriber {
  readonly clientId: string
  private readonly random: Random
  private client: MqttClient | null = null
  private timer: NodeJS.Timeout | null = null
  private stopping = false
  private cycling: Promise<void> = Promise.resolve()
  private connects = 0

  constructor(index: number, private readonly s: ClientSettings, private readonly counters: Counters) {
    this.clientId = subscriberId(index)
    this.random = createRandom(deriveSeed(s.seed, 'subscriber', index))
  }

  get online(): boolean {
    return this.client?.connected === true
  }

  start(): void {
    const c = mqtt.connect(this.s.url, { ...baseOptions(this.s, this.clientId), clean: false })
    c.on('connect', (connack) => {
      if (this.connects++ > 0) this.counters.reconnects++
      // A session the broker kept still has its subscriptions.
      if (!connack.sessionPresent) {
        c.subscribe([...SUBSCRIBER_FILTERS], { qos: 1 }, (err) => {
          if (err && !this.stopping) this.counters.errors++
        })
      }
    })
    c.on('message', () => void this.counters.received++)
    c.on('error', () => {
      if (!this.stopping) this.counters.errors++
    })
    this.client = c
    this.schedule(this.random.int(2000, 4000), () => this.leave())
  }

  private schedule(ms: number, f: () => void): void {
    if (this.stopping) return
    this.timer = setTimeout(f, ms)
  }

  private leave(): void {
    const c = this.client
    if (!c || this.stopping) return
    this.cycling = endClient(c).then(() => {
      if (this.client === c) this.client = null
      this.schedule(this.random.int(1000, 3000), () => this.start())
    })
  }

  async stop(): Promise<void> {
    this.stopping = true
    if (this.timer) clearTimeout(this.timer)
    await this.cycling
    const c = this.client
    if (c) await endClient(c)
  }
}
