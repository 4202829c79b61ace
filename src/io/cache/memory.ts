/**
 * The in-process cache: an LRU (lru-cache) in this worker's memory. The embedded default: no
 * server needed. Each worker has its own copy; a set or del reaches the copies of the same name
 * in the other workers before it resolves (peers.ts), so a write's response never races a worker
 * still serving the old value. Loads (getOrSet) fill only their own worker's copy.
 */
import { LRUCache } from 'lru-cache'
import type { Cache, CacheLog, Codec, Entry } from './cache.js'
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
  // A plain LRU: each entry carries its own expiry (Held.keep), checked on read. lru-cache's ttl option
  // would do it too, but its clock arms a 1 ms timer on any read that comes more than 1 ms after the
  // last one (ttlResolution): at a few hundred pages a second that was a timer, and a wake-up, per read.
  const lru = new LRUCache<string, Held>({ max: intOption(`cache ${name}`, 'maxEntries', options.maxEntries, 10_000) })
  const live = (key: string): Held | undefined => {
    const held = lru.get(key)
    if (held === undefined || held.keep > performance.now()) return held
    lru.delete(key)
    return undefined
  }
  const local = storeCache<Held>({
    read: async (keys) => keys.map(live),
    readNow: live,
    write: async (key, data, keepMs) => {
      data.keep = performance.now() + Math.max(1, Math.ceil(keepMs))
      lru.set(key, data)
    },
    remove: async (key) => { lru.delete(key) },
    close: async () => { lru.clear() },
  }, { name, log: options.log ?? stderrLog, codec: heldCodec })
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

/**
 * What the LRU holds: the fresh-until time beside the value. An object or array is kept as its JSON
 * text and parsed on each hit, so a caller mutating what it got cannot change what the next caller
 * gets (cache.ts); a string, number, boolean or null is immutable and kept as it is, as JSON would
 * give it back (a number that is not finite becomes null). No envelope is written or parsed: a hit
 * on a number (a stock count) parses nothing, a hit on an object parses only the object.
 */
interface Held {
  f: number
  v: unknown
  text: string | undefined
  /** Until when the store keeps it (performance.now() ms: ttl + staleMs from its write), set by write; NaN (a double from the start, so the field never changes representation) until then. */
  keep: number
}

const heldCodec: Codec<Held> = {
  encode(value, f) {
    switch (typeof value) {
      case 'string': case 'boolean': return { f, v: value, text: undefined, keep: NaN }
      case 'number': return { f, v: Number.isFinite(value) ? value + 0 : null, text: undefined, keep: NaN } // + 0: -0 is 0, as in JSON
      default:
        if (value === null) return { f, v: null, text: undefined, keep: NaN }
        // JSON's own refusals (a BigInt, a cycle) throw here as they do for Redis: a skipped write, logged.
        return { f, v: undefined, text: JSON.stringify(value), keep: NaN }
    }
  },
  decode: (held): Entry => (held.text === undefined ? held : { v: JSON.parse(held.text), f: held.f }),
}
