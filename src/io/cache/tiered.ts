/**
 * Two caches as one: a small, short-lived L1 in this process in front of a shared L2 (Redis).
 * Hot keys are answered from memory without a network round trip; L1's short ttl bounds how long
 * a worker may serve a value another worker has changed or deleted in L2 (del and set here reach
 * this process's L1 only). getOrSet's single-flight happens in L1, so concurrent misses in one
 * process make one L2 read, and at most one loader run.
 */
import type { Cache, GetOrSetOptions } from './cache.js'
import { msOption, nameOption } from '../options.js'

export interface TieredCacheOptions {
  name?: string
  l1: Cache
  l2: Cache
  /** Longest a value lives in L1. Default 1000 ms. */
  l1TtlMs?: number
}

export function tieredCache(options: TieredCacheOptions): Cache {
  const name = nameOption('tieredCache', options.name ?? 'tiered')
  const { l1, l2 } = options
  const l1TtlMs = msOption(`cache ${name}`, 'l1TtlMs', options.l1TtlMs, 1000)
  const l1Ttl = (ttlMs: number) => Math.min(ttlMs, l1TtlMs)

  return {
    name,
    async get<T>(key: string) {
      const near = await l1.get<T>(key)
      if (near !== undefined) return near
      const far = await l2.get<T>(key)
      if (far !== undefined) await l1.set(key, far, l1TtlMs)
      return far
    },
    async mget<T>(keys: readonly string[]) {
      const out = await l1.mget<T>(keys)
      const missing = keys.flatMap((k, i) => (out[i] === undefined ? [i] : []))
      if (missing.length === 0) return out
      const far = await l2.mget<T>(missing.map((i) => keys[i]!))
      await Promise.all(missing.map(async (i, j) => {
        out[i] = far[j]
        if (far[j] !== undefined) await l1.set(keys[i]!, far[j], l1TtlMs)
      }))
      return out
    },
    async set(key, value, ttlMs) {
      await l2.set(key, value, ttlMs)
      await l1.set(key, value, l1Ttl(ttlMs))
    },
    async del(key) {
      await Promise.all([l1.del(key), l2.del(key)])
    },
    getOrSet<T>(key: string, ttlMs: number, loader: () => Promise<T> | T, o: GetOrSetOptions = {}) {
      return l1.getOrSet(key, l1Ttl(ttlMs), () => l2.getOrSet(key, ttlMs, loader, o), { jitter: o.jitter })
    },
    async close() {
      await Promise.all([l1.close(), l2.close()])
    },
  }
}
