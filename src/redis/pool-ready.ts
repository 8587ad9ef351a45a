/**
 * Waiting until one ioredis connection (or Cluster) of a pool is ready, with
 * an error that says which pool, which server and why when it is not.
 */
import type { Cluster, Redis } from 'ioredis'
import { PoolError } from './pool-options.js'

/**
 * Errors retrying cannot cure: wrong credentials or a user without rights.
 * ioredis keeps reconnecting after them, so `ready()` fails at once instead
 * of waiting for its timeout.
 */
export function isAuthError(err: Error): boolean {
  return /^(WRONGPASS|NOAUTH|NOPERM)\b|invalid password|invalid username-password/i.test(err.message)
}

/** The error a Cluster reports for its nodes ("Failed to refresh slots cache") carries the last node's error. */
function innermost(err: Error): Error {
  const last: unknown = (err as Error & { lastNodeError?: unknown }).lastNodeError
  return last instanceof Error ? last : err
}

/**
 * Resolves when `conn` is ready; rejects at the first authentication error
 * (including one seen before the call, `seen`), when the connection is
 * closed, or after `timeoutMs`.
 */
export function waitReady(
  conn: Redis | Cluster,
  pool: string,
  target: string,
  timeoutMs: number,
  seen?: Error,
): Promise<void> {
  if (conn.status === 'ready') return Promise.resolve()
  if (seen && isAuthError(innermost(seen))) {
    return Promise.reject(new PoolError(pool, `authentication to ${target} failed: ${innermost(seen).message}`))
  }
  return new Promise<void>((resolve, reject) => {
    let lastError: Error | undefined = seen && innermost(seen)
    const cleanup = (): void => {
      clearTimeout(timer)
      conn.off('ready', onReady)
      conn.off('error', onError)
      conn.off('node error', onError)
      conn.off('end', onEnd)
    }
    const fail = (problem: string): void => {
      cleanup()
      reject(new PoolError(pool, problem))
    }
    const onReady = (): void => {
      cleanup()
      resolve()
    }
    const onError = (err: Error): void => {
      lastError = innermost(err)
      if (isAuthError(lastError)) fail(`authentication to ${target} failed: ${lastError.message}`)
    }
    const onEnd = (): void => fail(`the connection to ${target} was closed before it was ready`)
    const timer = setTimeout(() => {
      const why = lastError ? `last error: ${lastError.message}` : 'no error was reported'
      fail(`not ready after ${timeoutMs} ms (${target}); ${why}`)
    }, timeoutMs)
    conn.on('ready', onReady)
    conn.on('error', onError)
    conn.on('node error', onError)
    conn.on('end', onEnd)
  })
}
