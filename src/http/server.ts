/**
 * serve's HTTP side (node:http, no framework):
 *
 *   GET /              the dashboard (src/http/dashboard.html), live through /events
 *   GET /events        Server-Sent Events: a snapshot (JSON) every second
 *   GET /api/snapshot  the same snapshot, once
 *   GET /metrics       Prometheus text (prom-client)
 *
 * @example
 * const metrics = createEngineMetrics()
 * const engine = createEngine({ ..., onBatch: metrics.onBatch })
 * const http = await startHttpServer({ engine, metrics, logDir: null, logger })
 * // ... http.port; later
 * await http.close()
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { Engine } from '../engine/engine.js'
import { dashboardPage } from './dashboard.js'
import { registerEngineGauges } from './engine-gauges.js'
import type { EngineMetrics } from './metrics.js'
import { createSnapshotSource, type Snapshot } from './snapshot.js'

export const DEFAULT_HTTP_PORT = 8080

export interface HttpServerOptions {
  /** Absent: 8080, or a free port when 8080 is taken (said in one log line); given: that port or an error. */
  readonly port?: number
  readonly host?: string
  readonly engine: Engine
  readonly metrics: EngineMetrics
  /** The event log's directory, or null without one. */
  readonly logDir: string | null
  readonly logger: Logger
  /** Milliseconds between two SSE snapshots. Default 1000. */
  readonly intervalMs?: number
}

export interface HttpServer {
  readonly port: number
  close(): Promise<void>
}

export class HttpPortInUseError extends Error {
  constructor(readonly port: number) {
    super(`HTTP port ${port} is already in use; choose another with --http (0 turns the HTTP side off)`)
  }
}

function inUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE'
}

function listenOn(server: Server, port: number, host: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: unknown): void => reject(err)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      const a = server.address()
      resolve(typeof a === 'object' && a !== null ? a.port : port)
    })
  })
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}

export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const { engine, metrics, logger } = opts
  const log = logger.child({ http: true })
  registerEngineGauges(metrics.registry, engine, metrics, opts.logDir)
  const source = createSnapshotSource({ engine, metrics, logDir: opts.logDir })
  // The log and the checkpoint are level at startup: Redis has caught up with the log.
  if (opts.logDir !== null) {
    const cp = await engine.redis.hget(engine.keys.checkpoint(), engine.node).catch(() => null)
    if (cp !== null && Number.isSafeInteger(Number(cp))) metrics.seedPositions(Number(cp))
  }
  source.start()

  const streams = new Set<ServerResponse>()
  let ticker: NodeJS.Timeout | null = null
  let broadcasting = false
  const writeSnapshot = (res: ServerResponse, s: Snapshot): void => void res.write(`data: ${JSON.stringify(s)}\n\n`)
  const broadcast = async (): Promise<void> => {
    if (broadcasting || streams.size === 0) return
    broadcasting = true
    try {
      const s = await source.snapshot()
      for (const res of streams) writeSnapshot(res, s)
    } catch (err) {
      log.warn({ err: String(err) }, 'dashboard snapshot failed')
    } finally {
      broadcasting = false
    }
  }

  const openStream = (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' })
    res.write('retry: 2000\n\n')
    streams.add(res)
    req.socket.setNoDelay(true)
    req.on('close', () => {
      streams.delete(res)
      if (streams.size === 0 && ticker) {
        clearInterval(ticker)
        ticker = null
      }
    })
    source.snapshot().then((s) => writeSnapshot(res, s), () => undefined)
    ticker ??= setInterval(() => void broadcast(), opts.intervalMs ?? 1000)
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end()
      return
    }
    switch (path) {
      case '/':
      case '/index.html':
        send(res, 200, 'text/html; charset=utf-8', dashboardPage())
        return
      case '/metrics':
        send(res, 200, metrics.registry.contentType, await metrics.registry.metrics())
        return
      case '/api/snapshot':
        send(res, 200, 'application/json; charset=utf-8', JSON.stringify(await source.snapshot()))
        return
      case '/events':
        openStream(req, res)
        return
      case '/favicon.ico':
        res.writeHead(204).end()
        return
      default:
        send(res, 404, 'text/plain; charset=utf-8', 'not found: try /, /metrics, /events or /api/snapshot\n')
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.warn({ err: String(err), url: req.url }, 'http request failed')
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n')
      else res.end()
    })
  })

  let port: number
  try {
    if (opts.port !== undefined) {
      try {
        port = await listenOn(server, opts.port, opts.host)
      } catch (err) {
        throw inUse(err) ? new HttpPortInUseError(opts.port) : err
      }
    } else {
      try {
        port = await listenOn(server, DEFAULT_HTTP_PORT, opts.host)
      } catch (err) {
        if (!inUse(err)) throw err
        port = await listenOn(server, 0, opts.host)
        logger.warn({ http: port }, `HTTP port ${DEFAULT_HTTP_PORT} is already in use: dashboard and metrics on ${port} instead; pass --http to choose`)
      }
    }
  } catch (err) {
    source.stop()
    throw err
  }

  let closing: Promise<void> | null = null
  return {
    port,
    close() {
      closing ??= (async () => {
        source.stop()
        if (ticker) clearInterval(ticker)
        ticker = null
        for (const res of streams) res.end()
        streams.clear()
        const closed = new Promise<void>((r) => server.close(() => r()))
        server.closeAllConnections()
        await closed
      })()
      return closing
    },
  }
}
