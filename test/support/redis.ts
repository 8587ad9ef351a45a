/**
 * A real redis-server for one test file, on a free port, gone when the file
 * ends. Never the machine's own Redis on 6379.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll } from 'vitest'
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded.js'

export interface TestRedis {
  readonly url: string
  readonly port: number
  /** A client for assertions; closed with the server. */
  readonly client: Redis
  /** Stop the server now (for tests of Redis going away); `restart` brings it back on the same port. */
  stop(): Promise<void>
  restart(): Promise<void>
}

/** Call at the top of a test file; the returned object is filled in beforeAll. */
export function useRedis(): TestRedis {
  let server: EmbeddedRedis | undefined
  let client: Redis | undefined
  const handle = {
    get url() {
      return (server as EmbeddedRedis).url
    },
    get port() {
      return (server as EmbeddedRedis).port
    },
    get client() {
      return client as Redis
    },
    async stop() {
      await server?.stop()
    },
    async restart() {
      server = await startEmbeddedRedis({ port: (server as EmbeddedRedis).port })
    },
  }
  beforeAll(async () => {
    server = await startEmbeddedRedis()
    client = new Redis(server.url, { maxRetriesPerRequest: null })
    client.on('error', () => undefined) // tests that stop the server expect the reconnect noise
  })
  afterAll(async () => {
    client?.disconnect()
    await server?.stop()
  })
  return handle
}
