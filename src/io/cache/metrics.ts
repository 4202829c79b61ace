/** Cache metric families on the process registry, labelled by cache name; created once per process. */
import { Counter } from 'prom-client'
import { PREFIX, registry } from '../../metrics/registry.js'

function counter<L extends string>(suffix: string, help: string, labelNames: readonly L[]): Counter<L> {
  const name = `${PREFIX}cache_${suffix}`
  return (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] })
}

export const cacheMetrics = {
  hits: counter('hits_total', 'Reads that found a fresh value (stale values served count here too).', ['cache']),
  misses: counter('misses_total', 'Reads that found nothing, an expired value, or could not reach the backend.', ['cache']),
  stale: counter('stale_served_total', 'Expired values served while one refresh ran (stale-while-revalidate).', ['cache']),
  errors: counter('errors_total', 'Backend operations that failed (and were turned into misses or skipped writes).', ['cache', 'op']),
  loads: counter('loader_runs_total', 'Loader calls made by getOrSet (one per single-flight group).', ['cache']),
}
