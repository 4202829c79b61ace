/**
 * One /metrics for the whole server: each worker's registry, collected over IPC, merged with
 * prom-client's AggregatorRegistry (counters and histograms summed across workers), followed by
 * the arbiter's own series. A worker that does not answer within the timeout is left out of that
 * scrape rather than holding it up.
 */
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, Registry } from 'prom-client'

export async function exposition(workerMetrics: unknown[][], own: Registry): Promise<{ text: string; contentType: string }> {
  // The master's own series go through the same merge: a family both it and the workers know (one
  // the toolkit registers on import) then appears once, as Prometheus requires, not twice.
  const ownJSON = await own.getMetricsAsJSON()
  const merged = AggregatorRegistry.aggregate([...workerMetrics, ownJSON] as MetricObjectWithValues<MetricValue<string>>[][])
  return { text: await merged.metrics(), contentType: own.contentType }
}
