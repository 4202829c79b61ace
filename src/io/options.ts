/**
 * Checks for the options the io constructors take (upstream, caches, lock). They run once, where
 * the options enter, and quote what was received (STYLE.md #3); code past them trusts its input.
 */
import { util } from '../builtins.js'
import { corralError } from '../errors.js'

const received = (value: unknown) => util.inspect(value, { depth: 0, breakLength: Infinity })

function fail(owner: string, key: string, expected: string, value: unknown): never {
  throw corralError('CORRAL_ERR_IO_OPTION', owner, key, expected, received(value))
}

/** An integer >= min, or the default when absent. */
export function intOption(owner: string, key: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) fail(owner, key, `an integer >= ${min}`, value)
  return value
}

/** A duration in milliseconds (> 0, finite), or the default when absent. */
export function msOption(owner: string, key: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(owner, key, 'a positive number of milliseconds', value)
  return value
}

/** A duration in milliseconds that may be 0 (>= 0, finite), or the default when absent. */
export function msOrZeroOption(owner: string, key: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(owner, key, 'a number of milliseconds >= 0', value)
  return value
}

/** A finite number >= min, or the default when absent. */
export function numberAtLeastOption(owner: string, key: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) fail(owner, key, `a number >= ${min}`, value)
  return value
}

/** A number in [0, 1], or the default when absent. */
export function ratioOption(owner: string, key: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) fail(owner, key, 'a number from 0 to 1', value)
  return value
}

export function nameOption(owner: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(value)) {
    fail(owner, 'name', '1 to 64 letters, digits or _.:- (it becomes a metric label)', value)
  }
  return value
}

/** An http(s) origin with nothing after the port: one pool serves one origin. */
export function originOption(owner: string, value: unknown): string {
  let url: URL | undefined
  try { url = new URL(String(value)) } catch { url = undefined }
  if (typeof value !== 'string' || !url || !/^https?:$/.test(url.protocol) || (url.pathname !== '/' && url.pathname !== '') || url.search) {
    fail(owner, 'origin', 'an http(s) origin like "http://127.0.0.1:9101" (no path)', value)
  }
  return url.origin
}
