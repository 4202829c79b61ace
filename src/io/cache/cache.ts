/**
 * The cache interface every backend implements (memory, redis, tiered), and the Store beneath the
 * first two: a plain string store with expiry, which is all a backend has to provide.
 *
 * Values are JSON: what JSON.stringify/parse round-trips comes back (a Date comes back a string,
 * undefined is never stored). Every backend behaves alike, the in-process one included: it keeps
 * an object's JSON text, so a caller mutating a value it got cannot change what the next caller gets.
 */

export interface GetOrSetOptions {
  /**
   * After the ttl, keep serving the old value for this long while one refresh runs in the
   * background (stale-while-revalidate). Default 0: an expired value is a miss.
   */
  staleMs?: number
  /** Spread expiries by ± this fraction of the ttl, so keys set together do not expire together. Default 0.1. */
  jitter?: number
}

export interface Cache {
  readonly name: string
  /** The value, or undefined for a missing or expired key. Never throws for a backend outage: that is a miss. */
  get<T = unknown>(key: string): Promise<T | undefined>
  mget<T = unknown>(keys: readonly string[]): Promise<(T | undefined)[]>
  set(key: string, value: unknown, ttlMs: number): Promise<void>
  del(key: string): Promise<void>
  /**
   * The cached value, or the loader's (stored for ttlMs, jittered). Concurrent misses for one key
   * in this process run the loader once and share its result (single-flight). A loader error is
   * thrown to every waiter and nothing is stored. A loader returning undefined is not stored.
   */
  getOrSet<T>(key: string, ttlMs: number, loader: () => Promise<T> | T, options?: GetOrSetOptions): Promise<T>
  close(): Promise<void>
}

/**
 * What a backend stores: data with an expiry (text for Redis; memory.ts keeps an object of its own,
 * see Codec). Errors thrown here become misses one layer up.
 */
export interface Store<D = string> {
  read(keys: readonly string[]): Promise<(D | undefined)[]>
  /**
   * A store in this process can answer a read at once: getOrSet then serves a fresh value
   * without a promise chain or the single-flight map (a hit was ~5 µs of promises for a Map lookup).
   */
  readNow?(key: string): D | undefined
  write(key: string, data: D, keepMs: number): Promise<void>
  remove(key: string): Promise<void>
  close(): Promise<void>
}

/** A value with the time it stays fresh (epoch ms), as store-cache.ts reads it back. */
export interface Entry { v: unknown; f: number }

/**
 * How a value and its fresh-until time become a store's data and back. The default is JSON text,
 * {"v": value, "f": fresh-until}; decode returns undefined for data that is not an entry (a miss).
 */
export interface Codec<D> {
  encode(value: unknown, freshUntil: number): D
  decode(data: D): Entry | undefined
}

/** ttl ± jitter·ttl, at least 1 ms. */
export function jittered(ttlMs: number, jitter: number, random = Math.random): number {
  return Math.max(1, Math.round(ttlMs * (1 + jitter * (2 * random() - 1))))
}

/** Pino-shaped, so a pino logger fits; the default writes to stderr. */
export interface CacheLog {
  warn(data: object, message: string): void
  info(data: object, message: string): void
}

export const stderrLog: CacheLog = {
  warn: (data, message) => console.error(JSON.stringify({ level: 'warn', msg: message, ...data })),
  info: (data, message) => console.error(JSON.stringify({ level: 'info', msg: message, ...data })),
}
