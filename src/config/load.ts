/**
 * Reads a configuration file, choosing the reader by extension.
 */
import { readFileSync } from 'node:fs'
import type { ParseOptions } from './assemble.js'
import { parseEmqxConf } from './emqx-conf.js'
import { parseJsonConfig } from './json-config.js'
import { ConfigError, type BackendConfig } from './model.js'

/**
 * Loads `path`: `.json` as the JSON shape of `json-config.ts`, anything else
 * as `emqx_backend_redis.conf`. A file that cannot be read is a `ConfigError`
 * on line 0. Synchronous: it runs once at startup, before anything else can.
 *
 * @example
 * loadConfigFile('examples/emqx_backend_redis.conf').defaultPool // 'pool1'
 */
export function loadConfigFile(path: string, opts: ParseOptions = {}): BackendConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    const reason = e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : e instanceof Error ? e.message : String(e)
    throw new ConfigError(path, 0, `cannot read the configuration file (${reason})`)
  }
  return path.toLowerCase().endsWith('.json') ? parseJsonConfig(text, path, opts) : parseEmqxConf(text, path, opts)
}
