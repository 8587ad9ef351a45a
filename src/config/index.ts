/**
 * The backend configuration: model, readers and defaults.
 *
 * @example
 * import { loadConfigFile } from './config/index.js'
 * const config = loadConfigFile('emqx_backend_redis.conf', { fallbackServer: { host: '127.0.0.1', port: 6379 } })
 */
export * from './model.js'
export { DEFAULT_EXPIRED_TIME_SEC, type ParseOptions } from './assemble.js'
export { formatServerAddress, parseServerAddress } from './address.js'
export { defaultBackendConfig } from './defaults.js'
export { parseEmqxConf } from './emqx-conf.js'
export { parseJsonConfig, validateConfig } from './json-config.js'
export { loadConfigFile } from './load.js'
