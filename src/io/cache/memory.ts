/**
 * The in-process cache: an LRU (lru-cache) in this worker's memory. The embedded default: no
 * server needed. Each worker has its own copy, so a value set in one worker is not seen by the
 * others; put Redis behind it (tiered) when that matters.
 */
import { LRUCache } from 'lru-cache'
import type { Cache, CacheLog } from './cache.js'
import { stderrLog } from './cache.js'
import { storeCache } from './store-cache.js'
import { intOption, nameOption } from '../options.js'

export interface MemoryCacheOptions {
  /** Metric label. Default 'memory'. */
  name?: string
  /** Entries kept before the least recently used is dropped. Default 10,000. */
  maxEntries?: number
  log?: CacheLog
}

export function memoryCache(options: MemoryCacheOptions = {}): Cache {
  const name = nameOption('memoryCache', options.name ?? 'memory')
  const lru = new LRUCache<string, string>({ max: intOption(`cache ${name}`, 'maxEntries', options.maxEntries, 10_000) })
  return storeCache({
    read: async (keys) => keys.map((k) => lru.get(k)),
    readNow: (key) => lru.get(key),
    write: async (key, data, keepMs) => { lru.set(key, data, { ttl: Math.max(1, Math.ceil(keepMs)) }) },
    remove: async (key) => { lru.delete(key) },
    close: async () => { lru.clear() },
  }, { name, log: options.log ?? stderrLog })
}
