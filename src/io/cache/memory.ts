/**
 * The in-process cache: an LRU (lru-cache) in this worker's memory. The embedded default: no
 * server needed. Each worker has its own copy; a set or del reaches the copies of the same name
 * in the other workers before it resolves (peers.ts), so a write's response never races a worker
 * still serving the old value. Loads (getOrSet) fill only their own worker's copy.
 */
import { LRUCache } from 'lru-cache'
import type { Cache, CacheLog } from './cache.js'
import { stderrLog } from './cache.js'
import { joinPeers, publishToPeers } from './peers.js'
import { storeCache } from './store-cache.js'
import { intOption, nameOption } from '../options.js'

export interface MemoryCacheOptions {
  /** Metric label. Default 'memory'. */
  name?: string
  /** Entries kept before the least recently used is dropped. Default 10,000. */
  maxEntries?: number
  log?: CacheLog
  /**
   * Share set and del with the caches of this name in the other workers. Default true; false for
   * a cache whose entries belong to one worker. The name is what joins them: give each cache its own.
   */
  peers?: boolean
}

export function memoryCache(options: MemoryCacheOptions = {}): Cache {
  const name = nameOption('memoryCache', options.name ?? 'memory')
  const lru = new LRUCache<string, string>({ max: intOption(`cache ${name}`, 'maxEntries', options.maxEntries, 10_000) })
  const local = storeCache({
    read: async (keys) => keys.map((k) => lru.get(k)),
    readNow: (key) => lru.get(key),
    write: async (key, data, keepMs) => { lru.set(key, data, { ttl: Math.max(1, Math.ceil(keepMs)) }) },
    remove: async (key) => { lru.delete(key) },
    close: async () => { lru.clear() },
  }, { name, log: options.log ?? stderrLog })
  if (options.peers === false) return local

  const leave = joinPeers(name, (op) => (op.op === 'set' ? local.set(op.key, op.value, op.ttlMs) : local.del(op.key)))
  return {
    ...local,
    async set(key, value, ttlMs) {
      await local.set(key, value, ttlMs) // validates key and ttl before anything is sent
      if (value !== undefined) await publishToPeers({ cache: name, op: 'set', key, value, ttlMs })
    },
    async del(key) {
      await local.del(key)
      await publishToPeers({ cache: name, op: 'del', key })
    },
    async close() {
      leave()
      await local.close()
    },
  }
}
