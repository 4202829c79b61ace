/** The db pool's series; each pool is a `pool` label. Its gauges are read from the live pools at each scrape. */
import { counter, gauge, histogram, PREFIX, type GaugeFamily } from '../../metrics/families.js'

export interface PoolCounts { total: number; idle: number; waiting: number }

const live = new Map<string, { counts: () => PoolCounts; size: number }>()

function poolGauge(name: string, help: string, pick: (c: PoolCounts & { size: number }) => number): GaugeFamily {
  return gauge(PREFIX + name, help, ['pool'], (family) => {
    for (const [pool, { counts, size }] of live) family.labels(pool).set(pick({ ...counts(), size }))
  })
}

const gauges = [
  poolGauge('db_pool_connections', 'Connections open in the pool (idle and in use).', (c) => c.total),
  poolGauge('db_pool_idle', 'Pool connections open and not in use.', (c) => c.idle),
  poolGauge('db_pool_waiting', 'Queries waiting for a free pool connection.', (c) => c.waiting),
  poolGauge('db_pool_size', 'Most connections the pool opens (its size, as the master planned it).', (c) => c.size),
]
const duration = histogram(PREFIX + 'db_query_duration_seconds', 'Query time, from asking the pool to the last row.',
  ['pool', 'outcome'], [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
const errors = counter(PREFIX + 'db_query_errors_total', 'Queries that failed, by SQLSTATE or corral code.', ['pool', 'code'])

/** Start reporting a pool of at most `size` connections; the returned function stops it (on close). */
export function watchPool(pool: string, counts: () => PoolCounts, size: number): () => void {
  live.set(pool, { counts, size })
  return () => {
    live.delete(pool)
    for (const g of gauges) g.remove(pool)
  }
}

export function recordQuery(pool: string, seconds: number, error?: unknown): void {
  duration.labels(pool, error ? 'error' : 'ok').observe(seconds)
  if (error) errors.labels(pool, String((error as { code?: unknown }).code ?? (error as Error).name ?? 'unknown')).inc()
}
