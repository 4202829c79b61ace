/**
 * Value parsers for settings. Each accepts what a config file gives (typed values) and what env
 * and CLI give (strings), and either returns the parsed value or throws `Invalid`; the loader
 * turns that into CORRAL_ERR_SETTING with the parser's `expected` text and the value's source.
 */

import { isIP } from 'node:net'

export interface Parser<T> {
  kind: 'boolean' | 'value'
  /** What is allowed, as the error message says it: "a positive integer or \"auto\"". */
  expected: string
  parse(raw: unknown): T
  /** How a value is written back for people (--help, docs, print-config); JSON-ish when absent. */
  show?(value: T): string
}

export class Invalid extends Error {}

const fail = (): never => { throw new Invalid() }

function parser<T>(expected: string, parse: (raw: unknown) => T, kind: Parser<T>['kind'] = 'value', show?: (value: T) => string): Parser<T> {
  return { kind, expected, parse, show }
}

function showMs(ms: number): string {
  if (ms === 0) return '0 (off)'
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000}m`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

function showBytes(n: number): string {
  if (n === 0) return '0 (no limit)'
  for (const [unit, size] of [['gb', 1024 ** 3], ['mb', 1024 ** 2], ['kb', 1024]] as const) if (n % size === 0) return `${n / size}${unit}`
  return `${n}b`
}

const asText = (raw: unknown) => (typeof raw === 'string' ? raw.trim() : typeof raw === 'number' ? String(raw) : fail())

function integer(raw: unknown, min: number): number {
  const n = typeof raw === 'number' ? raw : /^-?\d+$/.test(asText(raw)) ? Number(asText(raw)) : NaN
  return Number.isSafeInteger(n) && n >= min ? n : fail()
}

export const positiveInt = parser('a positive integer', (raw) => integer(raw, 1))
export const nonNegativeInt = parser('an integer >= 0', (raw) => integer(raw, 0))

export const bool = parser('true or false', (raw) => {
  if (typeof raw === 'boolean') return raw
  const t = asText(raw).toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(t)) return true
  if (['0', 'false', 'no', 'off'].includes(t)) return false
  return fail()
}, 'boolean')

export const text = parser('a string', (raw) => asText(raw))

/** An optional path or '-': '' and 'off' mean none. */
export const optionalPath = parser('a file path, "-" for the standard stream, or "off"', (raw) => {
  if (raw === null || raw === false) return null
  const t = asText(raw)
  return t === '' || t === 'off' || t === 'none' ? null : t
})

export function oneOf<const V extends string>(values: readonly V[]): Parser<V> {
  return parser(values.map((v) => JSON.stringify(v)).join(', ').replace(/, ([^,]*)$/, ' or $1'), (raw) => {
    const t = asText(raw).toLowerCase()
    return (values as readonly string[]).includes(t) ? (t as V) : fail()
  })
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** Seconds, as Gunicorn's timeouts are, or a number with a unit (250ms, 2s, 5m). Stored in ms. */
export const duration = parser('seconds (e.g. 30) or a duration with a unit (250ms, 2s, 5m); 0 means off', (raw) => {
  if (typeof raw === 'number') return raw >= 0 && Number.isFinite(raw) ? Math.round(raw * 1000) : fail()
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(asText(raw))
  return m ? Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 's']) : fail()
}, 'value', showMs)

const UNIT_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }

/** Bytes, or a number with a unit (512kb, 1mb); 0 means no limit. */
export const bytes = parser('bytes (e.g. 1048576) or a size with a unit (512kb, 1mb, 1gb); 0 means no limit', (raw) => {
  if (typeof raw === 'number') return integer(raw, 0)
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(asText(raw))
  return m ? Math.round(Number(m[1]) * UNIT_BYTES[(m[2] ?? 'b').toLowerCase()]) : fail()
}, 'value', showBytes)

/** "auto", whole megabytes (32) or a size in mb or gb (32mb, 1gb); 0 leaves the value to Node. Stored in MB. */
export const megabytesOrAuto = parser<number | 'auto'>('"auto", whole megabytes (e.g. 32) or a size in mb or gb (32mb, 1gb); 0 leaves Node\'s own', (raw) => {
  if (typeof raw === 'number') return integer(raw, 0)
  const t = asText(raw).toLowerCase()
  if (t === 'auto') return 'auto'
  const m = /^(\d+)\s*(mb|gb)?$/.exec(t)
  return m ? Number(m[1]) * (m[2] === 'gb' ? 1024 : 1) : fail()
}, 'value', (v) => (v === 'auto' ? 'auto' : v === 0 ? "0 (Node's own)" : `${v}mb`))

export type WorkerCount = number | 'auto'
export const workerCount = parser<WorkerCount>('a positive integer or "auto"', (raw) =>
  typeof raw === 'string' && raw.trim().toLowerCase() === 'auto' ? 'auto' : integer(raw, 1))

export type ThreadCount = number | 'auto'
export const threadCount = parser<ThreadCount>('a positive integer or "auto"', workerCount.parse)

/** `host:port`, `[v6]:port`, `:port`, a bare port, or `unix:/path`. */
export type BindAddress = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string }

export function parseBind(t: string): BindAddress {
  if (t.startsWith('unix:')) return t.length > 5 ? { kind: 'unix', path: t.slice(5) } : fail()
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*))?:?(\d{1,5})$/.exec(t)
  if (!m) return fail()
  const port = Number(m[3])
  if (port > 65535) fail()
  const host = m[1] ?? (m[2] === undefined || m[2] === '' ? '0.0.0.0' : m[2])
  return { kind: 'tcp', host, port }
}

/** How an address is shown in logs: http://host:port (https:// with TLS) or unix:/path. */
export const describeBind = (b: BindAddress, scheme: 'http' | 'https' = 'http') =>
  b.kind === 'unix' ? `unix:${b.path}` : `${scheme}://${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}`

export const bindList = parser<BindAddress[]>('host:port, [ipv6]:port or unix:/path (repeatable)', (raw) => {
  const items = Array.isArray(raw) ? raw : asText(raw).split(/[\s,]+/).filter(Boolean)
  return items.map((item) => parseBind(asText(item)))
})

/** URL paths, each exact or ending in `*` for "this prefix and anything under it" (/events, /feeds/*). */
export const pathPatterns = parser<string[]>('URL paths starting with /, each exact or ending in * for a prefix (/events, /feeds/*); repeatable or comma-separated', (raw) => {
  const items = Array.isArray(raw) ? raw : asText(raw).split(/[\s,]+/).filter(Boolean)
  return items.map((item) => {
    const path = asText(item)
    return path.startsWith('/') && !path.slice(0, -1).includes('*') ? path : fail()
  })
}, 'value', (paths) => (paths.length ? paths.join(', ') : '(none)'))

/** File paths (repeatable or comma-separated), kept as given: they are read relative to the working directory. */
export const filePaths = parser<string[]>('file paths; repeatable or comma-separated', (raw) => {
  const items = Array.isArray(raw) ? raw : asText(raw).split(',').map((p) => p.trim()).filter(Boolean)
  return items.map((item) => asText(item) || fail())
}, 'value', (paths) => (paths.length ? paths.join(', ') : '(none)'))

export const port = parser('a port number 0-65535', (raw) => {
  const n = integer(raw, 0)
  return n <= 65535 ? n : fail()
})

/** Addresses trusted to set X-Forwarded-*: a comma list of IPs, or "*" for any. */
export const ipList = parser<string[]>('a comma-separated list of IP addresses, or "*"', (raw) => {
  const items = Array.isArray(raw) ? raw.map(asText) : asText(raw).split(/[\s,]+/).filter(Boolean)
  for (const ip of items) if (ip !== '*' && !/^[0-9a-fA-F:.]+$/.test(ip)) fail()
  return items
})

/** `host:port` for the admin server, or "off". */
export const optionalBind = parser<BindAddress | null>('host:port, unix:/path or "off"', (raw) => {
  if (raw === null || raw === false) return null
  const t = asText(raw)
  return t === 'off' || t === '' ? null : parseBind(t)
})

export const ratio = parser('a number from 0 to 1', (raw) => {
  const n = typeof raw === 'number' ? raw : Number(asText(raw))
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : fail()
})

/** Peers by address or CIDR range (10.0.0.0/8, fd00::/8), comma-separated, or "*" for any. */
export const addressList = parser<string[]>('a comma-separated list of IP addresses or CIDR ranges (10.0.0.0/8), or "*"', (raw) => {
  const items = Array.isArray(raw) ? raw.map(asText) : asText(raw).split(/[\s,]+/).filter(Boolean)
  for (const item of items) {
    if (item === '*') continue
    const [address, bits, extra] = item.split('/')
    const family = isIP(address)
    if (family === 0 || extra !== undefined) fail()
    if (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128))) fail()
  }
  return items
})

/** A duration as `duration` takes it, 0 for off, and otherwise at least `minMs`. */
export function durationAtLeast(minMs: number): Parser<number> {
  return parser(`0 (off) or a duration of at least ${showMs(minMs)} (e.g. 50ms, 0.2)`, (raw) => {
    const ms = duration.parse(raw)
    return ms === 0 || ms >= minMs ? ms : fail()
  }, 'value', showMs)
}

/** URL paths, comma-separated: each names itself and everything under it (/healthz, /api/orders). */
export const pathList = parser<string[]>('a comma-separated list of URL paths starting with "/" (e.g. /healthz,/api/orders), or "" for none', (raw) => {
  const items = Array.isArray(raw) ? raw.map(asText) : asText(raw).split(/[\s,]+/).filter(Boolean)
  for (const item of items) if (!item.startsWith('/') || /[?#\s]/.test(item)) fail()
  return items
}, 'value', (v) => (v.length ? v.join(',') : '""'))

/** A number at least `min` (a multiplier, a tolerance). */
export function numberAtLeast(min: number): Parser<number> {
  return parser(`a number >= ${min}`, (raw) => {
    const n = typeof raw === 'number' ? raw : Number(asText(raw))
    return Number.isFinite(n) && n >= min ? n : fail()
  })
}
