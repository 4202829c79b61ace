/**
 * The db pool's Prometheus series on corral's registry. The metric objects are made once per
 * process (a registry refuses a second metric of the same name); each pool is a `pool` label.
 */
import { Counter, Gauge, Histogram } from 'prom-client'
import { PREFIX, registry } from '../../metrics/registry.js'

export interface PoolCounts { total: number; idle: number; waiting: number }

const live = new Map<string, { counts: () => PoolCounts; size: number }>()

function poolGauge(name: string, help: string, pick: (c: PoolCounts & { size: number }) => number): Gauge<'pool'> {
  return new Gauge({
    name: PREFIX + name, help, labelNames: ['pool'], registers: [registry],
    collect() {
      this.reset()
      for (const [pool, { counts, size }] of live) this.set({ pool }, pick({ ...counts(), size }))
    },
  })
}

let made: { duration: Histogram<'pool' | 'outcome'>; errors: Counter<'pool' | 'code'> } | undefined

function metrics() {
  if (made) return made
  poolGauge('db_pool_connections', 'Connections open in the pool (idle and in use).', (c) => c.total)
  poolGauge('db_pool_idle', 'Pool connections open and not in use.', (c) => c.idle)
  poolGauge('db_pool_waiting', 'Queries waiting for a free pool connection.', (c) => c.waiting)
  poolGauge('db_pool_size', 'Most connections the pool opens (its size, as the master planned it).', (c) => c.size)
  made = {
    duration: new Histogram({
      name: PREFIX + 'db_query_duration_seconds', help: 'Query time, from asking the pool to the last row.',
      labelNames: ['pool', 'outcome'], registers: [registry],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
    errors: new Counter({
      name: PREFIX + 'db_query_errors_total', help: 'Queries that failed, by SQLSTATE or corral code.',
      labelNames: ['pool', 'code'], registers: [registry],
    }),
  }
  return made
}

/** Start reporting a pool of at most `size` connections; the returned function stops it (on close). */
export function watchPool(pool: string, counts: () => PoolCounts, size: number): () => void {
  metrics()
  live.set(pool, { counts, size })
  return () => { live.delete(pool) }
}

export function recordQuery(pool: string, seconds: number, error?: unknown): void {
  const m = metrics()
  m.duration.observe({ pool, outcome: error ? 'error' : 'ok' }, seconds)
  if (error) m.errors.inc({ pool, code: String((error as { code?: unknown }).code ?? (error as Error).name ?? 'unknown') })
}
