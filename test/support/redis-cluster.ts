/**
 * A real Redis Cluster for one test file: N masters (no replicas) on free
 * ports, built with `redis-cli --cluster create`, gone when the file ends.
 * Also the small process and polling helpers the Sentinel harness shares.
 *
 * Never touches 6379: every port (and every cluster bus port, set with
 * `--cluster-port` so it need not be port + 10000) is picked free.
 */
import { execFile, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll } from 'vitest'
import type { ServerAddress } from '../../src/config/model.js'
import { freePort, startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded.js'

const HOST = '127.0.0.1'
const RESERVED = new Set([6379, 16379, 26379]) // the machine's own Redis, its bus and sentinel ports

// Children and temp dirs still alive when the worker exits (a crashed test,
// a timed-out hook) are killed / removed here, synchronously.
const liveChildren = new Set<ChildProcess>()
const liveDirs = new Set<string>()
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL')
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true })
})

/** Remember `child` until it exits, so it is killed if the worker exits first. */
export function trackChild(child: ChildProcess): void {
  liveChildren.add(child)
  child.once('exit', () => liveChildren.delete(child))
}

/** A temp dir removed at `removeTempDir` or, at the latest, when the worker exits. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  liveDirs.add(dir)
  return dir
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
  liveDirs.delete(dir)
}

/** A free port not in `taken` (ports picked but not yet bound) and never one of the machine's Redis ports. */
export async function testPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await freePort()
    if (!RESERVED.has(port) && !taken.has(port)) {
      taken.add(port)
      return port
    }
  }
}

/** Poll `check` until it returns a value that is not undefined; throws naming `what` (and the last error) after `timeoutMs`. */
export async function pollUntil<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (err) {
      lastError = err
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `; last error: ${lastError.message}` : ''
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** One command on a short-lived connection that does not retry (for polling servers that may be down). */
export async function ask(port: number, command: string, ...args: string[]): Promise<unknown> {
  const conn = new Redis({ host: HOST, port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
  conn.on('error', () => undefined)
  try {
    await conn.connect()
    return await conn.call(command, ...args)
  } finally {
    conn.disconnect()
  }
}

/** Stop every server (ignoring ones already gone) and remove `dir`. */
export async function stopAll(servers: readonly EmbeddedRedis[], dir: string): Promise<void> {
  await Promise.allSettled(servers.map((s) => s.stop()))
  removeTempDir(dir)
}

export interface RedisClusterHandle {
  /** One address per master, in slot order as `redis-cli --cluster create` assigned them. */
  readonly nodes: readonly ServerAddress[]
  /** Kill every node and remove the temp dir. */
  stop(): Promise<void>
}

/**
 * Start `masters` cluster-enabled redis-servers and join them into a cluster
 * covering all 16384 slots; resolves when every node says cluster_state:ok.
 *
 * @example
 * const cluster = await startRedisCluster({ masters: 3 })
 * const client = new Cluster(cluster.nodes)
 * await cluster.stop()
 */
export async function startRedisCluster({ masters = 3 }: { masters?: number } = {}): Promise<RedisClusterHandle> {
  if (masters < 3) throw new Error('Redis Cluster needs at least 3 masters')
  const dir = makeTempDir('mqtt-redis-cluster-')
  const taken = new Set<number>()
  const ports: { port: number; bus: number }[] = []
  for (let i = 0; i < masters; i++) ports.push({ port: await testPort(taken), bus: await testPort(taken) })
  const started = await Promise.allSettled(
    ports.map(({ port, bus }) =>
      startEmbeddedRedis({
        port,
        dir: join(dir, `node-${port}`),
        appendOnly: false,
        extraArgs: [
          '--cluster-enabled', 'yes',
          '--cluster-config-file', join(dir, `nodes-${port}.conf`),
          '--cluster-port', String(bus),
          '--cluster-node-timeout', '2000',
        ],
      }),
    ),
  )
  const servers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  servers.forEach((s) => trackChild(s.process))
  try {
    const failed = started.find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
    const addrs = ports.map(({ port }) => `${HOST}:${port}`)
    await promisify(execFile)('redis-cli', ['--cluster', 'create', ...addrs, '--cluster-replicas', '0', '--cluster-yes'], {
      timeout: 30_000,
    })
    await pollUntil('cluster_state:ok on every node', 20_000, async () => {
      const infos = await Promise.all(ports.map(({ port }) => ask(port, 'CLUSTER', 'INFO')))
      const ok = infos.every(
        (i) => typeof i === 'string' && i.includes('cluster_state:ok') && i.includes(`cluster_known_nodes:${masters}`),
      )
      return ok ? true : undefined
    })
  } catch (err) {
    await stopAll(servers, dir)
    throw err
  }
  return {
    nodes: ports.map(({ port }) => ({ host: HOST, port })),
    stop: () => stopAll(servers, dir),
  }
}

export interface TestRedisCluster {
  readonly nodes: readonly ServerAddress[]
  /** A Cluster client for assertions; closed with the cluster. */
  readonly client: Cluster
}

/** Call at the top of a test file; the returned object is filled in beforeAll and everything stops in afterAll. */
export function useRedisCluster(opts: { masters?: number } = {}): TestRedisCluster {
  let cluster: RedisClusterHandle | undefined
  let client: Cluster | undefined
  beforeAll(async () => {
    cluster = await startRedisCluster(opts)
    client = new Cluster([...cluster.nodes], { redisOptions: { maxRetriesPerRequest: null } })
    client.on('error', () => undefined)
  }, 60_000)
  afterAll(async () => {
    client?.disconnect()
    await cluster?.stop()
  })
  return {
    get nodes() {
      return (cluster as RedisClusterHandle).nodes
    },
    get client() {
      return client as Cluster
    },
  }
}
