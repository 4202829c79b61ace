/** Cache metric families, labelled by cache name; each cache takes its own series once (cacheSeries). */
import { counter, PREFIX, type Count } from '../../metrics/families.js'

export const cacheMetrics = {
  hits: counter(`${PREFIX}cache_hits_total`, 'Reads that found a fresh value (stale values served count here too).', ['cache']),
  misses: counter(`${PREFIX}cache_misses_total`, 'Reads that found nothing, an expired value, or could not reach the backend.', ['cache']),
  stale: counter(`${PREFIX}cache_stale_served_total`, 'Expired values served while one refresh ran (stale-while-revalidate).', ['cache']),
  errors: counter(`${PREFIX}cache_errors_total`, 'Backend operations that failed (and were turned into misses or skipped writes).', ['cache', 'op']),
  loads: counter(`${PREFIX}cache_loader_runs_total`, 'Loader calls made by getOrSet (one per single-flight group).', ['cache']),
}

/** One cache's counters, looked up once: counting on them is an addition. */
export function cacheSeries(cache: string): { hits: Count; misses: Count; stale: Count; loads: Count } {
  return {
    hits: cacheMetrics.hits.labels(cache),
    misses: cacheMetrics.misses.labels(cache),
    stale: cacheMetrics.stale.labels(cache),
    loads: cacheMetrics.loads.labels(cache),
  }
}
