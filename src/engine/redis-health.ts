/**
 * Is Redis there? Down when the connection is lost or a write fails; up
 * again when the connection is ready and a write succeeds. While it is down,
 * an engine with an event log acknowledges events once they are in the log
 * (up to its in-flight bound), and says so in one log line each way.
 */
import type { EngineRedis } from '../redis/connect.js'
import type { Logger } from 'pino'
import { BehaviorSubject } from 'rxjs'

export interface RedisHealth {
  readonly down$: BehaviorSubject<boolean>
  /** A write failed. */
  failed(): void
  /** A write succeeded. */
  succeeded(): void
  stop(): void
}

export function watchRedis(redis: EngineRedis, logger: Logger, hasLog: boolean): RedisHealth {
  const down$ = new BehaviorSubject(false)
  const set = (down: boolean): void => {
    if (down$.value === down) return
    down$.next(down)
    if (down) {
      logger.warn(hasLog
        ? 'redis is unavailable: events are acknowledged from the event log and applied when it is back'
        : 'redis is unavailable: events wait in memory (up to the in-flight bound, then the host is slowed down)')
    } else logger.info('redis is available again')
  }
  const onDown = (): void => set(true)
  const onReady = (): void => set(false)
  redis.on('close', onDown)
  redis.on('reconnecting', onDown)
  redis.on('ready', onReady)
  return {
    down$,
    failed: () => set(true),
    succeeded: () => set(false),
    stop: () => {
      redis.off('close', onDown)
      redis.off('reconnecting', onDown)
      redis.off('ready', onReady)
      down$.complete()
    },
  }
}
