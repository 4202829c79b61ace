/**
 * The error log (pino). "text" is pino-pretty's one-line format for people; "json" is pino's own
 * lines for collectors. Both write asynchronously through the destination.
 */
import { pino, type Logger } from 'pino'
import pretty from 'pino-pretty'
import { destination } from './destination.js'

export type { Logger }

export interface LogOptions {
  level: string
  errorLog: string | null
  logFormat: 'text' | 'json'
  /** Bound into every line: { role: 'arbiter' } or { worker: 3 }. */
  bindings?: Record<string, unknown>
}

export function createLogger({ level, errorLog, logFormat, bindings = {} }: LogOptions): Logger {
  if (errorLog === null) return pino({ level: 'silent' })
  const dest = destination(errorLog, 2)
  const stream = logFormat === 'json'
    ? dest
    : pretty({ destination: dest, colorize: false, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l o', ignore: 'hostname,role', singleLine: true, sync: false })
  return pino({ level, base: { pid: process.pid, ...bindings } }, stream)
}
