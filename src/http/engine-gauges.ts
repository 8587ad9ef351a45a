/**
 * The Prometheus metrics read at scrape time: the engine's own counters
 * (`engine.stats()`), the projection and log lag, the log's size, and the
 * clients online on this node (HLEN of `mqtt:node:<node>`).
 */
import { Counter, Gauge, type Registry } from 'prom-client'
import type { Engine, EngineStats } from '../engine/engine.js'
import type { EngineMetrics } from './metrics.js'
import { logSizeReader } from './log-size.js'
import { within } from './redis-read.js'

/** A counter that follows a total someone else keeps: each scrape adds what the total grew by. */
function follower(registry: Registry, name: string, help: string, value: (s: EngineStats) => number, stats: () => EngineStats): void {
  let seen = 0
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const v = value(stats())
      if (v > seen) this.inc(v - seen)
      seen = Math.max(seen, v)
    },
  })
}

export function registerEngineGauges(registry: Registry, engine: Engine, metrics: EngineMetrics, logDir: string | null): void {
  const registers = [registry]
  const stats = (): EngineStats => engine.stats()
  follower(registry, 'mqtt_redis_engine_accepted_total', 'Host reports the engine accepted into its pipeline, all types (engine.stats().accepted)', (s) => s.accepted, stats)
  follower(registry, 'mqtt_redis_projection_batches_total', 'Redis round trips that applied batches', (s) => s.batches, stats)
  follower(registry, 'mqtt_redis_redis_commands_total', 'Redis commands the projections sent', (s) => s.redisCommands, stats)
  follower(registry, 'mqtt_redis_redis_command_errors_total', 'Redis commands of the projections that Redis refused', (s) => s.redisCommandErrors, stats)
  follower(registry, 'mqtt_redis_rule_commands_total', 'Commands of hook rules (command templates) Redis ran', (s) => s.ruleCommands, stats)
  follower(registry, 'mqtt_redis_rule_command_errors_total', 'Commands of hook rules that failed', (s) => s.ruleCommandErrors, stats)

  new Gauge({
    name: 'mqtt_redis_projection_lag_events',
    help: 'Events accepted but not yet in Redis',
    registers,
    collect() {
      this.set(stats().inFlight)
    },
  })
  new Gauge({
    name: 'mqtt_redis_actors',
    help: 'Session actors: live, and passivated (idle offline sessions kept as their sequence number only)',
    labelNames: ['state'],
    registers,
    collect() {
      const s = stats()
      this.set({ state: 'live' }, s.actors)
      this.set({ state: 'passivated' }, s.passivated)
    },
  })
  if (logDir !== null) {
    const size = logSizeReader(logDir)
    new Gauge({
      name: 'mqtt_redis_log_position',
      help: 'Position of the last event appended to the event log',
      registers,
      collect() {
        this.set(metrics.logPosition())
      },
    })
    new Gauge({
      name: 'mqtt_redis_checkpoint_position',
      help: 'Position of the last log event applied to Redis (the checkpoint)',
      registers,
      collect() {
        this.set(metrics.appliedPosition())
      },
    })
    new Gauge({
      name: 'mqtt_redis_log_lag_events',
      help: 'Event log position minus the checkpoint applied to Redis',
      registers,
      collect() {
        this.set(Math.max(0, metrics.logPosition() - metrics.appliedPosition()))
      },
    })
    new Gauge({
      name: 'mqtt_redis_log_bytes',
      help: 'Bytes of the event log directory on disk',
      registers,
      async collect() {
        const bytes = await size()
        if (bytes !== null) this.set(bytes)
      },
    })
  }
  new Gauge({
    name: 'mqtt_redis_clients_online',
    help: 'Clients online on this node (HLEN of the node hash), read at scrape time',
    registers,
    async collect() {
      if (engine.redis.status !== 'ready') return
      const n = await within(engine.redis.hlen(engine.keys.node(engine.node)), 1000).catch(() => null)
      if (n !== null) this.set(n)
    },
  })
}
