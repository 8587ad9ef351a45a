/**
 * Logging with pino: JSON lines by default (for log shippers), pretty when
 * asked for (the CLI asks when stdout is a terminal). Level from LOG_LEVEL.
 */
import { pino, type Logger } from 'pino'

export interface LoggerOptions {
  readonly pretty?: boolean
  readonly level?: string
  readonly name?: string
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env['LOG_LEVEL'] ?? 'info'
  const name = opts.name ?? 'mqtt-redis'
  if (opts.pretty) {
    return pino({ level, name, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } })
  }
  return pino({ level, name })
}
