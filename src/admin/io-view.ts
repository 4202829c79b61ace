/**
 * The io toolkit's part of the dashboard, read from the workers' metric families (the names are
 * those src/io registers): upstream calls and breakers, database pools, job queues, caches, and
 * whatever corral_overload_* families the overload control reports.
 */
import { quantile, bucketsOf } from './quantile.js'
import { labelValues, sumBy, total, type MetricSample } from './readings.js'
import type { CacheRow, OverloadRow, PoolRow, QueueRow, UpstreamRow } from './wire.js'

/**
 * What grew over a span of time, and over how many seconds. `metrics`: the workers' metrics were
 * read at both ends; otherwise only the heartbeats' `served` counts are in it.
 */
export interface Window { samples: MetricSample[]; seconds: number; metrics: boolean }

/** The latest gauges, per worker id. */
export type Gauges = Map<number, MetricSample[]>

const P = 'corral_'
const rate = (w: Window | null, name: string, where?: (l: Record<string, string>) => boolean) => (w ? total(w.samples, P + name, where) / w.seconds : 0)
const allGauges = (g: Gauges) => [...g.values()].flat()

export function upstreams(all: MetricSample[], w: Window | null, gauges: Gauges): UpstreamRow[] {
  const names = new Set([...labelValues(all, `${P}upstream_request_duration_seconds_count`, 'upstream'),
    ...labelValues(allGauges(gauges), `${P}upstream_breaker_state`, 'upstream')])
  return [...names].sort().map((name) => {
    const mine = (l: Record<string, string>) => l.upstream === name
    const breaker = { closed: 0, halfOpen: 0, open: 0 }
    for (const samples of gauges.values()) {
      const s = samples.find((x) => x.name === `${P}upstream_breaker_state` && x.labels.upstream === name)
      if (s) breaker[s.value === 2 ? 'open' : s.value === 1 ? 'halfOpen' : 'closed']++
    }
    const recent = w ? bucketsOf(w.samples, `${P}upstream_request_duration_seconds_bucket`, mine) : []
    const p95 = quantile(0.95, recent)
    return {
      name,
      calls: total(all, `${P}upstream_request_duration_seconds_count`, mine),
      perSecond: rate(w, 'upstream_request_duration_seconds_count', mine),
      errorsPerSecond: rate(w, 'upstream_errors_total', mine),
      errors: Object.fromEntries(sumBy(all, `${P}upstream_errors_total`, 'kind', mine)),
      p95Ms: p95 === null ? null : p95 * 1000,
      breaker,
    }
  })
}

export function pools(all: MetricSample[], w: Window | null, gauges: Gauges): PoolRow[] {
  const g = allGauges(gauges)
  const names = new Set([...labelValues(g, `${P}db_pool_connections`, 'pool'), ...labelValues(all, `${P}db_query_duration_seconds_count`, 'pool')])
  return [...names].sort().map((name) => {
    const mine = (l: Record<string, string>) => l.pool === name
    const open = total(g, `${P}db_pool_connections`, mine)
    const idle = total(g, `${P}db_pool_idle`, mine)
    const hasSize = g.some((s) => s.name === `${P}db_pool_size` && mine(s.labels))
    return {
      name, open, idle, inUse: Math.max(0, open - idle),
      size: hasSize ? total(g, `${P}db_pool_size`, mine) : null,
      waiting: total(g, `${P}db_pool_waiting`, mine),
      queriesPerSecond: rate(w, 'db_query_duration_seconds_count', mine),
      errorsPerSecond: rate(w, 'db_query_duration_seconds_count', (l) => mine(l) && l.outcome === 'error'),
    }
  })
}

export function queues(all: MetricSample[], w: Window | null, gauges: Gauges): QueueRow[] {
  const g = allGauges(gauges)
  const names = new Set([...labelValues(g, `${P}queue_jobs`, 'queue'), ...labelValues(all, `${P}queue_job_duration_seconds_count`, 'queue')])
  // Every worker counts the same table, so the depth is the freshest worker's figure, not a sum.
  const depth = (queue: string, state: string) => {
    let found: number | null = null
    for (const s of g) if (s.name === `${P}queue_jobs` && s.labels.queue === queue && s.labels.state === state) found = Math.max(found ?? 0, s.value)
    return found
  }
  return [...names].sort().map((name) => {
    const mine = (l: Record<string, string>) => l.queue === name
    return {
      name, queued: depth(name, 'queued'), active: depth(name, 'active'), dead: depth(name, 'dead'),
      runsPerSecond: rate(w, 'queue_job_duration_seconds_count', mine),
      failuresPerSecond: rate(w, 'queue_job_duration_seconds_count', (l) => mine(l) && l.outcome !== 'done'),
    }
  })
}

export function caches(all: MetricSample[], w: Window | null): CacheRow[] {
  const names = new Set([...labelValues(all, `${P}cache_hits_total`, 'cache'), ...labelValues(all, `${P}cache_misses_total`, 'cache')])
  return [...names].sort().map((name) => {
    const mine = (l: Record<string, string>) => l.cache === name
    const hits = w ? total(w.samples, `${P}cache_hits_total`, mine) : 0
    const misses = w ? total(w.samples, `${P}cache_misses_total`, mine) : 0
    return { name, hitRatio: hits + misses > 0 ? hits / (hits + misses) : null, readsPerSecond: w ? (hits + misses) / w.seconds : 0 }
  })
}

/** A duration is not added up across workers: the worst worker's is the one to see. */
export const isDuration = (name: string) => name.endsWith('_seconds')

/** Every corral_overload_* family, whatever the overload control names them. */
export function overload(all: MetricSample[], w: Window | null, gauges: Gauges): OverloadRow[] {
  const rows = new Map<string, OverloadRow>()
  for (const [worker, samples] of gauges) {
    for (const s of samples) {
      if (!s.name.startsWith(`${P}overload_`)) continue
      const row = rows.get(s.name) ?? { name: s.name, kind: 'gauge' as const, total: 0, perSecond: null, perWorker: {} }
      row.total = isDuration(s.name) ? Math.max(row.total, s.value) : row.total + s.value
      row.perWorker[worker] = (row.perWorker[worker] ?? 0) + s.value
      rows.set(s.name, row)
    }
  }
  const counters = new Set(all.filter((s) => s.name.startsWith(`${P}overload_`) && !/_(bucket|sum)$/.test(s.name)).map((s) => s.name))
  for (const name of counters) {
    rows.set(name, { name, kind: 'counter', total: total(all, name), perSecond: w ? total(w.samples, name) / w.seconds : null, perWorker: {} })
  }
  return [...rows.values()].sort((a, b) => a.name.localeCompare(b.name))
}

/** The overload gauges that count (limit, running, queue length), summed across workers, for the history. */
export function overloadLevels(gauges: Gauges): Record<string, number> | null {
  const out: Record<string, number> = {}
  let any = false
  for (const samples of gauges.values()) {
    for (const s of samples) {
      if (!s.name.startsWith(`${P}overload_`) || isDuration(s.name)) continue
      out[s.name] = (out[s.name] ?? 0) + s.value
      any = true
    }
  }
  return any ? out : null
}
