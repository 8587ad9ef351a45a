/**
 * The engine's Lua scripts (src/redis/scripts/<name>-<numKeys>.lua, each with
 * a header saying its KEYS, ARGV, result and why it must be atomic),
 * registered on an ioredis client as custom commands (EVALSHA, falling back to
 * EVAL), usable in pipelines.
 *
 * On a Redis Cluster, ioredis sends a script to the master that owns its first
 * key's slot; every key a script touches (those in KEYS and those it builds
 * from a prefix in ARGV) must hash to that slot, which the engine's hash-tagged
 * prefix guarantees (keys.ts, `clusterPrefix`).
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { isCluster, type EngineRedis } from './connect.js'

export type ScriptName =
  | 'storeMessage'
  | 'storeMessages'
  | 'storeLatest'
  | 'ackPubsub'
  | 'ackLatest'
  | 'ackQueue'
  | 'claimQueue'
  | 'releaseHolds'
  | 'markSince'
  | 'sweepExpired'
  | 'sessionSubscribe'
  | 'sessionUnsubscribe'
  | 'readMessages'

/** The folder of .lua files, whether running from src/ (tests) or dist/ (built). */
function scriptsDir(): string {
  const here = fileURLToPath(new URL('./scripts/', import.meta.url))
  if (existsSync(here)) return here
  return fileURLToPath(new URL('../../../src/redis/scripts/', import.meta.url))
}

interface ScriptDef {
  readonly name: ScriptName
  readonly numberOfKeys: number
  readonly lua: string
  /** SHA-1 of the source, the name EVALSHA knows it by once SCRIPT LOAD has run. */
  readonly sha: string
}

let cache: readonly ScriptDef[] | null = null

export function scriptDefs(): readonly ScriptDef[] {
  if (cache) return cache
  const dir = scriptsDir()
  cache = readdirSync(dir)
    .filter((f) => f.endsWith('.lua'))
    .map((f) => {
      const m = /^(\w+)-(\d+)\.lua$/.exec(f)
      if (!m) throw new Error(`script file ${f} is not named <name>-<numKeys>.lua`)
      const lua = readFileSync(dir + f, 'utf8')
      return { name: m[1] as ScriptName, numberOfKeys: Number(m[2]), lua, sha: createHash('sha1').update(lua).digest('hex') }
    })
  return cache
}

const registered = new WeakSet<EngineRedis>()

/** Register every script on the client once. */
export function ensureScripts(redis: EngineRedis): void {
  if (registered.has(redis)) return
  for (const d of scriptDefs()) redis.defineCommand(d.name, { numberOfKeys: d.numberOfKeys, lua: d.lua })
  registered.add(redis)
}

/** Call a registered script on a client or pipeline. */
export function callScript(target: object, name: ScriptName, keys: readonly string[], args: ReadonlyArray<string | Buffer | number>): unknown {
  const fn: unknown = Reflect.get(target, name)
  if (typeof fn !== 'function') throw new Error(`script ${name} is not registered on this client`)
  return fn.call(target, ...keys, ...args)
}

/** The same, with the reply's strings as Buffers (ioredis' `<name>Buffer` variant): for replies holding payloads. */
export function callScriptBuffer(target: object, name: ScriptName, keys: readonly string[], args: ReadonlyArray<string | Buffer | number>): unknown {
  const fn: unknown = Reflect.get(target, `${name}Buffer`)
  if (typeof fn !== 'function') throw new Error(`script ${name} is not registered on this client`)
  return fn.call(target, ...keys, ...args)
}

/** A script's definition by name. */
export function scriptDef(name: ScriptName): ScriptDef {
  const d = scriptDefs().find((x) => x.name === name)
  if (!d) throw new Error(`no script named ${name}`)
  return d
}

/**
 * Load every script into Redis's script cache, so EVALSHA finds them (what a
 * raw connection needs before it sends any). On a cluster, into the script
 * cache of every master it knows (so call it once the cluster is ready).
 */
export async function loadScripts(redis: EngineRedis): Promise<void> {
  const targets = isCluster(redis) ? redis.nodes('master') : [redis]
  for (const node of targets) {
    for (const d of scriptDefs()) {
      const sha = await node.script('LOAD', d.lua)
      if (sha !== d.sha) throw new Error(`Redis named script ${d.name} ${String(sha)}, expected ${d.sha}`)
    }
  }
}
