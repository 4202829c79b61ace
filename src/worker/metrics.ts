/**
 * Request metrics in the worker. The counting is plain arrays and maps, turned into prom-client's
 * metric format only when the arbiter scrapes (each metric is registered with metrics/families.ts
 * as an object with `get()`, the one method the registries and the aggregator call). prom-client's
 * own Counter#inc and Histogram#observe hash their label object on every call: about 0.9 µs a request
 * against 0.04 µs here (bench/micro/request-metrics.ts), and on the hello path turning metrics off
 * with prom-client's counting gave back about 10% of throughput.
 */
import { PREFIX, register, type MetricType } from '../metrics/families.js'

const MAX_ROUTES = 200
const ID_SEGMENT = /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|[0-9A-Za-z_-]{22,})$/i
export const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const

/**
 * The route label when the app names none (ctx.setRoute): the path with id-like segments as :id,
 * so /api/products/42 and /api/products/43 are one series. Past MAX_ROUTES distinct routes a worker
 * reports "other", so a scanner walking random URLs cannot blow up the metric's cardinality.
 * Paths seen before are answered from a map (bounded alike), without the regex.
 */
const routes = new Map<string, string>()
const seenRoutes = new Set<string>()
/** The last URL's route: traffic comes in runs of one URL, and a compare costs less than hashing the URL's new string for the map. */
let lastUrl = ''
let lastRoute = '/'
export function routeOf(url: string): string {
  if (url === lastUrl) return lastRoute
  lastRoute = findRoute(url)
  lastUrl = url
  return lastRoute
}

function findRoute(url: string): string {
  const q = url.indexOf('?')
  const path = q < 0 ? url : url.slice(0, q)
  const known = routes.get(path)
  if (known !== undefined) return known
  let route = ''
  for (const segment of path.split('/').slice(1)) route += '/' + (ID_SEGMENT.test(segment) ? ':id' : segment)
  route ||= '/'
  if (!seenRoutes.has(route)) {
    if (seenRoutes.size >= MAX_ROUTES) route = 'other'
    else seenRoutes.add(route)
  }
  if (routes.size < MAX_ROUTES * 10) routes.set(path, route)
  return route
}

interface Series { method: string; status: number; route: string; count: number }
/** Per route: its timings and its request counts by status then method (lookups, no key strings). */
interface RouteStats { route: string; buckets: Float64Array; sum: number; count: number; byStatus: Map<number, Map<string, Series>> }

export class RequestMetrics {
  readonly #routes = new Map<string, RouteStats>()

  constructor(inFlight: () => number) {
    const requests = `${PREFIX}http_requests_total`
    const duration = `${PREFIX}http_request_duration_seconds`
    const inFlightName = `${PREFIX}http_requests_in_flight`
    const metric = (name: string, help: string, type: MetricType, values: () => unknown[]) =>
      register({ name, help, type, aggregator: 'sum', get: async () => ({ name, help, type, aggregator: 'sum', values: values() as never }) })
    metric(requests, 'Requests answered, by method, status and route.', 'counter', () => {
      const values: unknown[] = []
      for (const r of this.#routes.values()) {
        for (const byMethod of r.byStatus.values()) {
          for (const s of byMethod.values()) values.push({ value: s.count, labels: { method: s.method, status: String(s.status), route: s.route } })
        }
      }
      return values
    })
    metric(duration, 'Time from request arrival to the end of the response, by route.', 'histogram', () => {
      const values: unknown[] = []
      for (const [route, t] of this.#routes) {
        let cumulative = 0
        BUCKETS.forEach((le, i) => {
          cumulative += t.buckets[i]
          values.push({ value: cumulative, metricName: `${duration}_bucket`, labels: { le, route } })
        })
        values.push({ value: t.count, metricName: `${duration}_bucket`, labels: { le: '+Inf', route } })
        values.push({ value: t.sum, metricName: `${duration}_sum`, labels: { route } })
        values.push({ value: t.count, metricName: `${duration}_count`, labels: { route } })
      }
      return values
    })
    metric(inFlightName, 'Requests being handled now.', 'gauge', () => [{ value: inFlight(), labels: {} }])
  }

  /** The series the last request counted in: traffic comes in runs of the same route, status and method. */
  #last: Series | undefined
  #lastStats: RouteStats | undefined

  observe(method: string, status: number, route: string, seconds: number): void {
    let t: RouteStats | undefined
    const last = this.#last
    if (last !== undefined && last.route === route && last.status === status && last.method === method) {
      last.count++
      t = this.#lastStats!
    } else {
      t = this.#routes.get(route)
      if (!t) this.#routes.set(route, (t = { route, buckets: new Float64Array(BUCKETS.length), sum: 0, count: 0, byStatus: new Map() }))
      let byMethod = t.byStatus.get(status)
      if (!byMethod) t.byStatus.set(status, (byMethod = new Map()))
      let series = byMethod.get(method)
      if (series) series.count++
      else byMethod.set(method, (series = { method, status, route, count: 1 }))
      this.#last = series
      this.#lastStats = t
    }
    t.sum += seconds
    t.count++
    for (let i = 0; i < BUCKETS.length; i++) {
      if (seconds <= BUCKETS[i]) { t.buckets[i]++; break }
    }
  }
}
