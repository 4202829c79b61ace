/**
 * A quantile from a Prometheus histogram's cumulative buckets, as PromQL's histogram_quantile
 * estimates it: find the bucket the rank falls in and interpolate linearly inside it. A rank in
 * the +Inf bucket answers the highest finite bound (the histogram knows no more than that).
 */
import { sumBy, type MetricSample } from './readings.js'

/** Cumulative counts by upper bound, ascending, +Inf last. */
export type Buckets = { le: number; count: number }[]

export function bucketsOf(samples: Iterable<MetricSample>, bucketMetric: string, where?: (labels: Record<string, string>) => boolean): Buckets {
  const byLe = sumBy(samples, bucketMetric, 'le', where)
  return [...byLe].map(([le, count]) => ({ le: le === '+Inf' ? Infinity : Number(le), count }))
    .filter((b) => !Number.isNaN(b.le)).sort((a, b) => a.le - b.le)
}

export function quantile(q: number, buckets: Buckets): number | null {
  const n = buckets.at(-1)?.count ?? 0
  if (n <= 0) return null
  const rank = q * n
  let lower = 0
  let below = 0
  for (const { le, count } of buckets) {
    if (count >= rank && count > below) {
      if (le === Infinity) return lower
      return lower + (le - lower) * ((rank - below) / (count - below))
    }
    lower = le === Infinity ? lower : le
    below = count
  }
  return lower
}
