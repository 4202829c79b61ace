/**
 * Request metrics in the worker, on the process registry; the arbiter aggregates them across
 * workers. Labelled children are cached by key: prom-client hashes label objects on every call,
 * which costs more than the request itself on a hello-world path (bench/micro/metrics-labels.ts).
 */
import { Counter, Gauge, Histogram } from 'prom-client'
import { registry, PREFIX } from '../metrics/registry.js'

const MAX_ROUTES = 200
const ID_SEGMENT = /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|[0-9A-Za-z_-]{22,})$/i

/**
 * The route label when the app names none (ctx.setRoute): the path with id-like segments as :id,
 * so /api/products/42 and /api/products/43 are one series. Past MAX_ROUTES distinct routes a worker
 * reports "other", so a scanner walking random URLs cannot blow up the metric's cardinality.
 */
const seenRoutes = new Set<string>()
export function routeOf(url: string): string {
  const q = url.indexOf('?')
  const path = q < 0 ? url : url.slice(0, q)
  let route = ''
  for (const segment of path.split('/').slice(1)) route += '/' + (ID_SEGMENT.test(segment) ? ':id' : segment)
  route ||= '/'
  if (seenRoutes.has(route)) return route
  if (seenRoutes.size >= MAX_ROUTES) return 'other'
  seenRoutes.add(route)
  return route
}

export class RequestMetrics {
  readonly #requests = new Counter({ name: `${PREFIX}http_requests_total`, help: 'Requests answered, by method, status and route.', labelNames: ['method', 'status', 'route'], registers: [registry] })
  readonly #duration = new Histogram({
    name: `${PREFIX}http_request_duration_seconds`, help: 'Time from request arrival to the end of the response, by route.',
    labelNames: ['route'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry],
  })
  readonly #inFlight: Gauge
  readonly #counterChildren = new Map<string, { inc(): void }>()
  readonly #histogramChildren = new Map<string, { observe(v: number): void }>()

  constructor(inFlight: () => number) {
    this.#inFlight = new Gauge({ name: `${PREFIX}http_requests_in_flight`, help: 'Requests being handled now.', registers: [registry], collect() { this.set(inFlight()) } })
  }

  observe(method: string, status: number, route: string, seconds: number): void {
    const key = `${method} ${status} ${route}`
    let counter = this.#counterChildren.get(key)
    if (!counter) this.#counterChildren.set(key, (counter = this.#requests.labels(method, String(status), route)))
    counter.inc()
    let histogram = this.#histogramChildren.get(route)
    if (!histogram) this.#histogramChildren.set(route, (histogram = this.#duration.labels(route)))
    histogram.observe(seconds)
  }
}
