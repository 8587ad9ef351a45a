/**
 * mqtt-redis-engine: the library entry point.
 *
 * @example
 * import { createEngine, startAedesBroker } from 'mqtt-redis-engine'
 * const engine = createEngine({ redis: 'redis://127.0.0.1:6379' })
 * const broker = await startAedesBroker(engine, { port: 1883 })
 */
export { createEngine } from './engine/engine.js'
export type { Engine, EngineOptions, EngineStats, SubmitOk, SubmitResult } from './engine/engine.js'
export type { DomainEvent, DomainEventType, EventMeta } from './events/domain.js'
export type { InputEvent, InputType, QoS, SubscriptionOptions } from './events/input.js'
export type { InputError, InputErrorCode } from './events/errors.js'
export { EngineClosedError } from './events/errors.js'
export type { BrokerHost, HostMessage } from './hosts/host.js'
export { attachAedes, BROKER_CLIENT_ID } from './hosts/aedes/adapter.js'
export { retainedByEngine } from './hosts/aedes/persistence.js'
export { startAedesBroker } from './hosts/aedes/broker.js'
export type { HostedBroker, HostedBrokerOptions } from './hosts/aedes/broker.js'
export { createKeys, keyTable, DEFAULT_PREFIX } from './redis/keys.js'
export type { Keys } from './redis/keys.js'
export { lookupRetained } from './queries/retained.query.js'
export { lookupSubscriptions } from './queries/subscriptions.query.js'
export { matches, topicFilterProblem, topicNameProblem } from './topics/topic.js'
export { startEmbeddedRedis, RedisServerNotFoundError } from './redis/embedded.js'
export { ConfigError, defaultBackendConfig, loadConfigFile, parseEmqxConf, parseJsonConfig, validateConfig } from './config/index.js'
export type { BackendConfig, HookName, HookRule, PoolConfig, FunctionName } from './config/index.js'
export { compileCommand, renderCommand, TemplateError } from './rules/template.js'
export type { TemplateContext } from './rules/template.js'
export { openPools } from './redis/pools.js'
export type { Pools, RedisPool } from './redis/pools.js'
