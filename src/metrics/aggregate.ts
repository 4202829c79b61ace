/**
 * One /metrics for the whole server: each worker's registry, collected over IPC, merged with
 * prom-client's AggregatorRegistry (counters and histograms summed across workers), followed by
 * the arbiter's own series. A worker that does not answer within the timeout is left out of that
 * scrape rather than holding it up.
 */
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, Registry } from 'prom-client'

export async function exposition(workerMetrics: unknown[][], own: Registry): Promise<{ text: string; contentType: string }> {
  const merged = AggregatorRegistry.aggregate(workerMetrics as MetricObjectWithValues<MetricValue<string>>[][])
  const text = (await merged.metrics()) + (await own.metrics())
  return { text, contentType: own.contentType }
}
