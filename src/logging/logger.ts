/**
 * The error log (pino). "text" is pino-pretty's one-line format for people; "json" is pino's own
 * lines for collectors. Both write asynchronously through the destination.
 *
 * The logger is built on first use: pino and pino-pretty cost a worker about 12 MB of memory and
 * tens of milliseconds of boot (measured with bench/boot.ts), and a healthy worker may never write
 * a line. Until then a stand-in answers; a call at a disabled level never builds anything.
 *
 * The master's logger is made with `hold`: its startup lines wait (with their own timestamps) until
 * releaseLogger(), which serve calls once the workers are forked, so loading pino runs beside the
 * workers' boot instead of before it. A process that exits first still writes them.
 */
import { createRequire } from 'node:module'
import type { Logger } from 'pino'
import { destination, flushAll } from './destination.js'

export type { Logger }

export interface LogOptions {
  level: string
  errorLog: string | null
  logFormat: 'text' | 'json'
  /** Bound into every line: { role: 'arbiter' } or { worker: 3 }. */
  bindings?: Record<string, unknown>
  /** Queue lines at enabled levels until releaseLogger() (or exit) instead of building pino for them. */
  hold?: boolean
}

const require = createRequire(import.meta.url)
const levelValues: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 }
const releases = new WeakMap<Logger, () => void>()
// The time a held line was written, while it is replayed into pino (see `timestamp` below).
let replayingAt: number | undefined

/** Write what a held logger queued, and log directly from now on. */
export function releaseLogger(log: Logger): void {
  releases.get(log)?.()
}

function build({ level, errorLog, logFormat, bindings = {} }: LogOptions): Logger {
  const { pino } = require('pino') as typeof import('pino')
  if (errorLog === null) return pino({ level: 'silent' })
  const dest = destination(errorLog, 2)
  const pretty = logFormat === 'json' ? undefined : require('pino-pretty') as typeof import('pino-pretty')
  const stream = pretty === undefined
    ? dest
    : pretty({ destination: dest, colorize: false, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l o', ignore: 'hostname,role', singleLine: true, sync: false })
  return pino({ level, base: { pid: process.pid, ...bindings }, timestamp: () => `,"time":${replayingAt ?? Date.now()}` }, stream)
}

export function createLogger(options: LogOptions): Logger {
  let real: Logger | undefined
  const threshold = options.errorLog === null ? Infinity : levelValues[options.level] ?? (options.level === 'silent' ? Infinity : 0)
  const disabled = (name: string) => (levelValues[name] ?? -1) >= 0 && levelValues[name]! < threshold
  const noop = () => {}
  let held: { method: string; args: unknown[]; at: number }[] | undefined = options.hold ? [] : undefined
  const get = (): Logger => {
    if (real) return real
    real = build(options)
    const queue = held
    held = undefined
    for (const line of queue ?? []) {
      replayingAt = line.at
      try { (real as unknown as Record<string, (...a: unknown[]) => void>)[line.method]!(...line.args) } finally { replayingAt = undefined }
    }
    return real
  }
  const logger = new Proxy({} as Logger, {
    get(_target, key) {
      if (real === undefined && typeof key === 'string') {
        if (disabled(key)) return noop
        if (key === 'isLevelEnabled') return (name: string) => (levelValues[name] ?? Infinity) >= threshold
        if (held && levelValues[key] !== undefined) return (...args: unknown[]) => { held!.push({ method: key, args, at: Date.now() }) }
      }
      const r = get()
      const value = Reflect.get(r, key, r) as unknown
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(r) : value
    },
    set(_target, key, value) { return Reflect.set(get(), key, value) },
    has(_target, key) { return Reflect.has(get(), key) },
  })
  if (held) {
    // A master that stops before it releases (a bad config, a failing hook) still says what it did.
    const onExit = () => { if (held?.length) { get(); flushAll() } }
    process.once('exit', onExit)
    releases.set(logger, () => { process.off('exit', onExit); if (held?.length) get(); else held = undefined })
  }
  return logger
}
