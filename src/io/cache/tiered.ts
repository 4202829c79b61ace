/**
 * Two caches as one: a small, short-lived L1 in this process in front of a shared L2 (Redis).
 * Hot keys are answered from memory without a network round trip. A set or del here reaches L2
 * and, through L1 (a memory cache shares its writes, peers.ts), the L1 of every other worker of
 * this server; L1's short ttl bounds how long a worker of another server on the same Redis may
 * serve a value changed there. L1 is filled from L2 with getOrSet, which stays in this worker.
 * getOrSet's single-flight happens in L1, so concurrent misses in one process make one L2 read,
 * and at most one loader run.
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
    // Fills of L1 go through getOrSet, never set: a set would be sent to every other worker.
    get<T>(key: string) {
      return l1.getOrSet<T | undefined>(key, l1TtlMs, () => l2.get<T>(key), { jitter: 0 })
    },
    async mget<T>(keys: readonly string[]) {
      const out = await l1.mget<T>(keys)
      const missing = keys.flatMap((k, i) => (out[i] === undefined ? [i] : []))
      if (missing.length === 0) return out
      const far = await l2.mget<T>(missing.map((i) => keys[i]!))
      await Promise.all(missing.map(async (i, j) => {
        out[i] = far[j]
        if (far[j] !== undefined) await l1.getOrSet(keys[i]!, l1TtlMs, () => far[j], { jitter: 0 })
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
