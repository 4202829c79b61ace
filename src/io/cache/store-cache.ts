/**
 * A Cache over any Store: the part memory and Redis share. It encodes each value with the time it
 * stays fresh, runs getOrSet's single-flight, jitter and stale-while-revalidate, counts metrics,
 * and turns every store failure into a miss (reads) or a skipped write, logged once per outage.
 *
 * Stored text (the default codec): {"v": value, "f": fresh-until (epoch ms)}. The store keeps it
 * for ttl + staleMs, so a stale value is still there to serve while its refresh runs.
 */
import type { Cache, CacheLog, Codec, Entry, GetOrSetOptions, Store } from './cache.js'
import { jittered } from './cache.js'
import { SingleFlight } from './single-flight.js'
import { Outage } from './outage.js'
import { cacheSeries } from './metrics.js'
import { corralError } from '../../errors.js'

export interface StoreCacheOptions<D = string> {
  name: string
  log: CacheLog
  /** Default ± fraction for getOrSet ttls. */
  jitter?: number
  now?: () => number
  /** How values become the store's data; default JSON text (jsonCodec). */
  codec?: Codec<D>
}

export function storeCache<D = string>(store: Store<D>, options: StoreCacheOptions<D>): Cache {
  const { name, log } = options
  const codec = options.codec ?? (jsonCodec as unknown as Codec<D>)
  const encode = codec.encode
  // What the store gave back, as an entry: nothing stored is a miss.
  const decode = (raw: D | undefined): Entry | undefined => (raw === undefined ? undefined : codec.decode(raw))
  const now = options.now ?? Date.now
  const defaultJitter = options.jitter ?? 0.1
  const metrics = cacheSeries(name)
  const outage = new Outage(name, log)
  const flights = new SingleFlight()
  const refreshes = new SingleFlight()
  /**
   * Loads in flight, per key. A set or del that lands while one runs (another worker's write, most
   * often) makes its result stale: it is returned to its callers but not stored over the newer state.
   */
  const loading = new Map<string, Set<{ overtaken: boolean }>>()
  const overtake = (key: string) => { for (const l of loading.get(key) ?? []) l.overtaken = true }

  async function read(keys: readonly string[]): Promise<(Entry | undefined)[]> {
    try {
      const raw = await store.read(keys)
      outage.succeeded()
      return raw.map(decode)
    } catch (err) {
      outage.failed('read', err)
      return keys.map(() => undefined)
    }
  }

  async function write(key: string, value: unknown, ttlMs: number, staleMs: number): Promise<void> {
    if (value === undefined) return
    try {
      await store.write(key, encode(value, now() + ttlMs), ttlMs + staleMs)
      outage.succeeded()
    } catch (err) {
      outage.failed('write', err)
    }
  }

  async function load<T>(key: string, ttlMs: number, loader: () => Promise<T> | T, o: GetOrSetOptions): Promise<T> {
    metrics.loads.inc()
    const mine = { overtaken: false }
    const set = loading.get(key) ?? new Set()
    loading.set(key, set.add(mine))
    let value: T
    try {
      value = await loader()
    } finally {
      set.delete(mine)
      if (set.size === 0) loading.delete(key)
    }
    if (!mine.overtaken) await write(key, value, jittered(ttlMs, o.jitter ?? defaultJitter), o.staleMs ?? 0)
    return value
  }

  const fresh = (e: Entry | undefined): boolean => e !== undefined && e.f > now()

  return {
    name,

    async get<T>(key: string): Promise<T | undefined> {
      checkKey(name, key)
      const [e] = await read([key])
      return count(fresh(e) ? e!.v as T : undefined)
    },

    async mget<T>(keys: readonly string[]): Promise<(T | undefined)[]> {
      keys.forEach((k) => checkKey(name, k))
      if (keys.length === 0) return []
      return (await read(keys)).map((e) => count(fresh(e) ? e!.v as T : undefined))
    },

    async set(key, value, ttlMs) {
      checkKey(name, key)
      checkTtl(name, ttlMs)
      overtake(key)
      await write(key, value, ttlMs, 0)
    },

    async del(key) {
      checkKey(name, key)
      overtake(key)
      try {
        await store.remove(key)
        outage.succeeded()
      } catch (err) {
        outage.failed('del', err)
      }
    },

    getOrSet<T>(key: string, ttlMs: number, loader: () => Promise<T> | T, o: GetOrSetOptions = {}): Promise<T> {
      checkKey(name, key)
      checkTtl(name, ttlMs)
      const staleMs = o.staleMs ?? 0
      const readNow = store.readNow
      let known: Entry | undefined
      if (readNow) {
        known = decode(readNow(key))
        if (fresh(known)) { metrics.hits.inc(); return Promise.resolve(known!.v as T) }
      }
      // The read sits inside the flight too: a hundred concurrent misses make one store read and one
      // load. A store in this process was just read (the flight's function runs at once, before
      // anything else can write): its answer stands, with no second read through a promise.
      return flights.run(key, async () => {
        const e = readNow ? known : (await read([key]))[0]
        if (fresh(e)) { metrics.hits.inc(); return e!.v as T }
        if (e && staleMs > 0 && e.f + staleMs > now()) {
          metrics.hits.inc()
          metrics.stale.inc()
          refreshes.run(key, () => load(key, ttlMs, loader, o)).catch((err) => {
            log.warn({ cache: name, key, err: (err as Error)?.message }, 'background refresh failed; the stale value stays until it expires')
          })
          return e.v as T
        }
        metrics.misses.inc()
        return load(key, ttlMs, loader, o)
      })
    },

    close: () => store.close(),
  }

  function count<T>(value: T | undefined): T | undefined {
    if (value === undefined) metrics.misses.inc()
    else metrics.hits.inc()
    return value
  }
}

/** The default codec: JSON text, what every process (and another host, through Redis) can read. */
export const jsonCodec: Codec<string> = {
  encode: (value, freshUntil) => JSON.stringify({ v: value, f: freshUntil }),
  decode(raw) {
    try {
      const e = JSON.parse(raw) as Entry
      return typeof e === 'object' && e !== null && typeof e.f === 'number' ? e : undefined
    } catch {
      return undefined  // not ours (a foreign writer under our prefix): treat as a miss, the next set replaces it
    }
  },
}

function checkKey(cache: string, key: unknown): void {
  if (typeof key !== 'string' || key.length === 0) throw corralError('CORRAL_ERR_IO_OPTION', `cache ${cache}`, 'key', 'a non-empty string', JSON.stringify(key) ?? String(key))
}

function checkTtl(cache: string, ttlMs: unknown): void {
  if (typeof ttlMs !== 'number' || !(ttlMs > 0) || !Number.isFinite(ttlMs)) {
    throw corralError('CORRAL_ERR_IO_OPTION', `cache ${cache}`, 'ttlMs', 'a positive number of milliseconds', String(ttlMs))
  }
}
