/**
 * The error log (pino). "text" is pino-pretty's one-line format for people; "json" is pino's own
 * lines for collectors. Both write asynchronously through the destination.
 *
 * The logger is built on first use: pino and pino-pretty cost a worker about 12 MB of memory and
 * tens of milliseconds of boot (measured with bench/boot.ts), and a healthy worker may never write
 * a line. Until then a stand-in answers; a call at a disabled level never builds anything.
 */
import { createRequire } from 'node:module'
import type { Logger } from 'pino'
import { destination } from './destination.js'

export type { Logger }

export interface LogOptions {
  level: string
  errorLog: string | null
  logFormat: 'text' | 'json'
  /** Bound into every line: { role: 'arbiter' } or { worker: 3 }. */
  bindings?: Record<string, unknown>
}

const require = createRequire(import.meta.url)
const levelValues: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 }

function build({ level, errorLog, logFormat, bindings = {} }: LogOptions): Logger {
  const { pino } = require('pino') as typeof import('pino')
  if (errorLog === null) return pino({ level: 'silent' })
  const dest = destination(errorLog, 2)
  const pretty = logFormat === 'json' ? undefined : require('pino-pretty') as typeof import('pino-pretty')
  const stream = pretty === undefined
    ? dest
    : pretty({ destination: dest, colorize: false, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l o', ignore: 'hostname,role', singleLine: true, sync: false })
  return pino({ level, base: { pid: process.pid, ...bindings } }, stream)
}

export function createLogger(options: LogOptions): Logger {
  let real: Logger | undefined
  const threshold = options.errorLog === null ? Infinity : levelValues[options.level] ?? (options.level === 'silent' ? Infinity : 0)
  const disabled = (name: string) => (levelValues[name] ?? -1) >= 0 && levelValues[name]! < threshold
  const noop = () => {}
  const get = () => (real ??= build(options))
  return new Proxy({} as Logger, {
    get(_target, key) {
      if (real === undefined && typeof key === 'string') {
        if (disabled(key)) return noop
        if (key === 'isLevelEnabled') return (name: string) => (levelValues[name] ?? Infinity) >= threshold
      }
      const r = get()
      const value = Reflect.get(r, key, r) as unknown
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(r) : value
    },
    set(_target, key, value) { return Reflect.set(get(), key, value) },
    has(_target, key) { return Reflect.has(get(), key) },
  })
}
