/**
 * A soak worker thread: holds a share of the connections (ClientPool) and
 * does what the main thread asks, in order: connect, publish, end.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { ClientPool, type PublishPlan, type WorkerSetup } from './clients.js'

export type ToWorker = { readonly type: 'connect' } | { readonly type: 'publish'; readonly plan: PublishPlan } | { readonly type: 'end' }

export type FromWorker =
  | { readonly type: 'connected'; readonly up: number; readonly failed: number; readonly errors: readonly string[] }
  | { readonly type: 'published'; readonly errors: readonly string[] }
  | { readonly type: 'ended'; readonly errors: readonly string[] }
  | { readonly type: 'crashed'; readonly message: string }

const port = parentPort
if (port === null) throw new Error('bench/soak/worker.js runs as a worker thread of the soak')
const pool = new ClientPool(workerData as WorkerSetup)
const send = (m: FromWorker): void => port.postMessage(m)

port.on('message', (m: ToWorker) => {
  const step = async (): Promise<void> => {
    if (m.type === 'connect') {
      const r = await pool.connectAll()
      send({ type: 'connected', ...r, errors: pool.errors })
    } else if (m.type === 'publish') {
      await pool.publish(m.plan)
      send({ type: 'published', errors: pool.errors })
    } else {
      await pool.endAll()
      send({ type: 'ended', errors: pool.errors })
      port.close()
    }
  }
  step().catch((err: unknown) => send({ type: 'crashed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }))
})
