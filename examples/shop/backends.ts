/**
 * The shop's connections, one set per worker, made when the worker loads the app (after fork:
 * sockets must not be shared across processes). The database pool and the queue are corral's
 * shared ones (database(), queue()), sized by the master against the server's max_connections.
 */
import { memoryCache, redisCache, tieredCache, upstream, type Cache, type Upstream } from 'corral/io'
import { upstreamNames, type ShopSettings, type UpstreamName } from './settings.js'

export interface Service {
  /** GET a JSON document from the service; rejects on a non-2xx answer, a timeout or an open breaker. */
  get<T>(path: string, signal: AbortSignal): Promise<T>
}

function service(name: UpstreamName, url: string, timeoutMs: number, connections: number, limit: boolean): Service {
  const u = new URL(url)
  const prefix = u.pathname.replace(/\/$/, '')
  const client: Upstream = upstream({
    name: `shop-${name}`,
    origin: u.origin,
    connections,
    // The upstream's own budget equals the fan-out call's, so slowness counts against the breaker.
    timeoutMs,
    retries: 1,
    ...(limit ? {} : { limit: false as const }),
  })
  return { get: (path, signal) => client.json(prefix + path, { signal }) }
}

export function makeServices(s: ShopSettings): Record<UpstreamName, Service> {
  const budget: Record<UpstreamName, number> = {
    price: s.timeouts.price, recommend: s.timeouts.recommendations, favorites: s.timeouts.favorites,
    user: s.timeouts.user, order: s.timeouts.orders, product: s.timeouts.products,
  }
  return Object.fromEntries(upstreamNames.map((n) => [n, service(n, s.services[n], budget[n], s.upstreamConnections, s.upstreamLimit)])) as Record<UpstreamName, Service>
}

/** In-process by default; with REDIS_URL, a short memory tier in front of Redis shared by all workers. */
export function makeCache(s: ShopSettings): Cache {
  const l1 = memoryCache({ name: 'shop-memory', maxEntries: 20_000 })
  if (!s.redisUrl) return l1
  return tieredCache({ l1, l2: redisCache({ name: 'shop-redis', url: s.redisUrl, prefix: s.cachePrefix }), l1TtlMs: 1000 })
}
