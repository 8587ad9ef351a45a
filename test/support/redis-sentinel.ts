/**
 * A real Sentinel topology for one test file: a master, one replica and
 * three sentinels (quorum 2), all on free ports, gone when the file ends.
 * `killMaster` + `waitForFailover` drive a real failover (a few seconds:
 * down-after-milliseconds is 1000).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import type { ServerAddress } from '../../src/config/model.js'
import { findRedisServer, RedisServerNotFoundError, startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded.js'
import { ask, makeTempDir, pollUntil, stopAll, testPort, trackChild } from './redis-cluster.js'

const HOST = '127.0.0.1'
const MASTER_NAME = 'mymaster'

export interface RedisSentinelHandle {
  readonly masterName: string
  readonly sentinels: readonly ServerAddress[]
  /** The master and replica as started (the roles swap after a failover). */
  readonly master: { readonly port: number }
  readonly replica: { readonly port: number }
  /** SIGKILL the process the sentinels currently report as master. */
  killMaster(): Promise<void>
  /** Resolves with the new master once every sentinel reports it and it answers ROLE as master. */
  waitForFailover(timeoutMs?: number): Promise<ServerAddress>
  /** Kill everything and remove the temp dir. */
  stop(): Promise<void>
}

/** `redis-server <conf> --sentinel`, resolved once it monitors the master. Sentinel mode needs a writable config file. */
async function startSentinel(dir: string, port: number, masterPort: number): Promise<EmbeddedRedis> {
  const bin = findRedisServer()
  if (!bin) throw new RedisServerNotFoundError()
  const conf = join(dir, `sentinel-${port}.conf`)
  writeFileSync(
    conf,
    [
      `port ${port}`,
      `bind ${HOST}`,
      `dir ${dir}`,
      'logfile ""',
      `sentinel monitor ${MASTER_NAME} ${HOST} ${masterPort} 2`,
      `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
      `sentinel failover-timeout ${MASTER_NAME} 5000`,
      `sentinel parallel-syncs ${MASTER_NAME} 1`,
      '',
    ].join('\n'),
  )
  const child: ChildProcess = spawn(bin, [conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] })
  trackChild(child)
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer): void => {
      output += b.toString()
      if (output.includes('+monitor master')) {
        child.stdout?.off('data', onData)
        child.stdout?.resume()
        resolve()
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (b: Buffer) => void (output += b.toString()))
    child.once('error', reject)
    void exited.then(() => reject(new Error(`sentinel on ${port} exited before it was ready:\n${output.slice(-2000)}`)))
  })
  return {
    port,
    url: `redis://${HOST}:${port}`,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** `SENTINEL MASTER` / `SENTINEL REPLICAS` answer flat [field, value, ...] lists. */
function fields(reply: unknown): Map<string, string> {
  const out = new Map<string, string>()
  if (!Array.isArray(reply)) return out
  for (let i = 0; i + 1 < reply.length; i += 2) out.set(String(reply[i]), String(reply[i + 1]))
  return out
}

async function masterAddrFrom(sentinelPort: number): Promise<number | undefined> {
  const reply = await ask(sentinelPort, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)
  return Array.isArray(reply) && reply.length === 2 ? Number(reply[1]) : undefined
}

/**
 * Start master, replica (synced) and three sentinels; resolves when every
 * sentinel sees the other two and a healthy replica, so a failover can start.
 *
 * @example
 * const s = await startRedisSentinel()
 * await s.killMaster()
 * const newMaster = await s.waitForFailover(20_000)
 * await s.stop()
 */
export async function startRedisSentinel(): Promise<RedisSentinelHandle> {
  const dir = makeTempDir('mqtt-redis-sentinel-')
  const taken = new Set<number>()
  const servers: EmbeddedRedis[] = []
  const start = async (s: Promise<EmbeddedRedis>): Promise<EmbeddedRedis> => {
    const server = await s
    trackChild(server.process)
    servers.push(server)
    return server
  }
  const dataDir = (name: string): string => join(dir, name)
  try {
    const master = await start(
      startEmbeddedRedis({
        port: await testPort(taken),
        dir: dataDir('master'),
        appendOnly: false,
        // Diskless sync waits 5 s by default for more replicas to join; there is only one.
        extraArgs: ['--repl-diskless-sync-delay', '0'],
      }),
    )
    const replica = await start(
      startEmbeddedRedis({
        port: await testPort(taken),
        dir: dataDir('replica'),
        appendOnly: false,
        extraArgs: ['--replicaof', HOST, String(master.port)],
      }),
    )
    // Sentinels learn replicas from the master's INFO, which they refresh only
    // every 10 s: start them once the replica is attached, not before.
    await pollUntil('the replica to sync with the master', 15_000, async () => {
      const info = String(await ask(master.port, 'INFO', 'replication'))
      return /slave0:.*state=online/.test(info) ? true : undefined
    })
    mkdirSync(dataDir('sentinels'), { recursive: true })
    const sentinelPorts = [await testPort(taken), await testPort(taken), await testPort(taken)]
    const results = await Promise.allSettled(sentinelPorts.map((p) => start(startSentinel(dataDir('sentinels'), p, master.port))))
    const failed = results.find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
    await pollUntil('every sentinel to see the replica and the other sentinels', 20_000, async () => {
      for (const p of sentinelPorts) {
        const m = fields(await ask(p, 'SENTINEL', 'MASTER', MASTER_NAME))
        if (m.get('num-other-sentinels') !== '2' || m.get('num-slaves') !== '1') return undefined
        const replicas = await ask(p, 'SENTINEL', 'REPLICAS', MASTER_NAME)
        if (!Array.isArray(replicas) || fields(replicas[0]).get('flags') !== 'slave') return undefined
      }
      return true
    })
    let killedPort: number | null = null
    const byPort = (port: number): EmbeddedRedis | undefined => servers.find((s) => s.port === port)
    return {
      masterName: MASTER_NAME,
      sentinels: sentinelPorts.map((port) => ({ host: HOST, port })),
      master: { port: master.port },
      replica: { port: replica.port },
      async killMaster() {
        const port = await pollUntil('a sentinel to name the master', 5_000, () => masterAddrFrom(sentinelPorts[0] as number))
        const server = byPort(port)
        if (!server) throw new Error(`the sentinels name ${port} as master, which this harness did not start`)
        const gone = new Promise<void>((r) => server.process.once('exit', () => r()))
        server.process.kill('SIGKILL')
        await gone
        killedPort = port
      },
      async waitForFailover(timeoutMs = 30_000) {
        const killed = killedPort
        if (killed === null) throw new Error('waitForFailover: killMaster was not called')
        const port = await pollUntil(`a failover away from ${killed}`, timeoutMs, async () => {
          const named = await Promise.all(sentinelPorts.map(masterAddrFrom))
          const first = named[0]
          if (first === undefined || first === killed || named.some((p) => p !== first)) return undefined
          const role = await ask(first, 'ROLE')
          return Array.isArray(role) && role[0] === 'master' ? first : undefined
        })
        return { host: HOST, port }
      },
      stop: () => stopAll(servers, dir),
    }
  } catch (err) {
    await stopAll(servers, dir)
    throw err
  }
}

/** Call at the top of a test file; the returned handle works from beforeAll on, and everything stops in afterAll. */
export function useRedisSentinel(): RedisSentinelHandle {
  let handle: RedisSentinelHandle | undefined
  const get = (): RedisSentinelHandle => {
    if (!handle) throw new Error('useRedisSentinel: the topology is not started (use it inside tests or hooks)')
    return handle
  }
  beforeAll(async () => {
    handle = await startRedisSentinel()
  }, 60_000)
  afterAll(async () => {
    await handle?.stop()
  })
  return {
    masterName: MASTER_NAME,
    get sentinels() {
      return get().sentinels
    },
    get master() {
      return get().master
    },
    get replica() {
      return get().replica
    },
    killMaster: () => get().killMaster(),
    waitForFailover: (timeoutMs) => get().waitForFailover(timeoutMs),
    stop: () => get().stop(),
  }
}
