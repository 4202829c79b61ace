/**
 * A worker's registry (prom-client's getMetricsAsJSON, as it crosses the IPC channel) read as
 * plain samples: counters and every histogram series (buckets, sums, counts only ever grow), and
 * gauges apart, since a gauge is a level to show, not a count to difference.
 */

export interface MetricSample { name: string; labels: Record<string, string>; value: number }

export interface Reading {
  /** Keyed by name and labels, so the same series in two readings can be subtracted. */
  counters: Map<string, MetricSample>
  gauges: MetricSample[]
}

interface Family { name?: unknown; type?: unknown; values?: unknown }
interface Value { value?: unknown; labels?: Record<string, unknown>; metricName?: unknown }

export function seriesKey(name: string, labels: Record<string, string>): string {
  const keys = Object.keys(labels)
  if (keys.length === 0) return name
  keys.sort()
  let key = name + '{'
  for (const k of keys) key += `${k}=${labels[k]},`
  return key + '}'
}

const stringLabels = (labels: Record<string, unknown> | undefined): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(labels ?? {})) out[k] = String(v)
  return out
}

export function read(metrics: unknown[]): Reading {
  const counters = new Map<string, MetricSample>()
  const gauges: MetricSample[] = []
  for (const f of metrics as Family[]) {
    if (typeof f?.name !== 'string' || !Array.isArray(f.values)) continue
    const cumulative = f.type === 'counter' || f.type === 'histogram'
    if (!cumulative && f.type !== 'gauge') continue
    for (const v of f.values as Value[]) {
      const value = Number(v.value)
      if (!Number.isFinite(value)) continue
      const sample = { name: typeof v.metricName === 'string' ? v.metricName : f.name, labels: stringLabels(v.labels), value }
      if (cumulative) counters.set(seriesKey(sample.name, sample.labels), sample)
      else gauges.push(sample)
    }
  }
  return { counters, gauges }
}

/** The sum of a metric's samples, grouped by one label ('' groups everything together). */
export function sumBy(samples: Iterable<MetricSample>, name: string, by: string, where?: (labels: Record<string, string>) => boolean): Map<string, number> {
  const out = new Map<string, number>()
  for (const s of samples) {
    if (s.name !== name || (where && !where(s.labels))) continue
    const group = by === '' ? '' : s.labels[by] ?? ''
    out.set(group, (out.get(group) ?? 0) + s.value)
  }
  return out
}

export const total = (samples: Iterable<MetricSample>, name: string, where?: (labels: Record<string, string>) => boolean): number =>
  sumBy(samples, name, '', where).get('') ?? 0

/** The distinct values one label takes on a metric. */
export function labelValues(samples: Iterable<MetricSample>, name: string, label: string): string[] {
  const seen = new Set<string>()
  for (const s of samples) if (s.name === name && s.labels[label] !== undefined) seen.add(s.labels[label])
  return [...seen].sort()
}
