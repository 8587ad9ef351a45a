/**
 * An Aedes broker hosting the engine, listening on TCP: what `mqtt-redis serve` runs.
 */
import { Aedes } from 'aedes'
import { createServer, type Server } from 'node:net'
import type { Engine } from '../../engine/engine.js'
import { attachAedes } from './adapter.js'
import { retainedByEngine } from './persistence.js'
import { aedesPersistence } from './redis-persistence.js'

export interface HostedBrokerOptions {
  readonly port?: number
  readonly host?: string
}

export interface HostedBroker {
  readonly aedes: Aedes
  readonly server: Server
  /** The TCP port actually listened on (useful with port 0). */
  readonly port: number
  /** Stop accepting connections, disconnect every client, detach from the engine. */
  close(): Promise<void>
}

/**
 * @example
 * const broker = await startAedesBroker(engine, { port: 1883 })
 * // ... later
 * await broker.close(); await engine.close()
 */
export async function startAedesBroker(engine: Engine, opts: HostedBrokerOptions = {}): Promise<HostedBroker> {
  // Aedes keeps its sessions (subscriptions, queued and QoS 2 packets, wills)
  // in Redis through the engine, so a persistent session outlives a restart.
  // Retained messages stay the engine's own (hooks and reactions).
  const aedes = await Aedes.createBroker({ id: engine.node, persistence: retainedByEngine(aedesPersistence({ engine })) })
  const detach = attachAedes(engine, aedes)
  const server = createServer(aedes.handle)
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(opts.port ?? 1883, opts.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (err) {
    // Nothing listens: undo the broker so it holds no timers and no engine hooks.
    detach()
    await new Promise<void>((r) => aedes.close(() => r()))
    throw err
  }
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : (opts.port ?? 1883)
  let closing: Promise<void> | null = null
  return {
    aedes,
    server,
    port,
    close() {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((r) => server.close(() => r()))
        // Disconnect events of the clients closed here still reach the engine.
        await new Promise<void>((r) => aedes.close(() => r()))
        detach()
        await serverClosed
      })()
      return closing
    },
  }
}
