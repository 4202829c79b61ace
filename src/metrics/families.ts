/**
 * Metric families for the worker and the io toolkit, counted in plain numbers and turned into
 * prom-client's JSON (what Registry#getMetricsAsJSON gives) only when the arbiter scrapes. The
 * master still aggregates and exposes them with prom-client (metrics/aggregate.ts).
 *
 * Why not prom-client's own Counter and Histogram here: each inc() or observe() with labels
 * hashes the label object (about 1 µs, bench/micro/request-metrics.ts), which a fan-out pays
 * several times per request; and loading prom-client costs a worker about 12 MB of RSS. Here a
 * caller takes its labelled series once (`family.labels('price', '2xx')`) and each count is an
 * addition. prom-client is loaded only where it is used: the master, and a worker whose app or
 * toolkit imports metrics/registry.ts (which then takes these families over, see bridge()).
 */
/** Metric names all start with this, so corral's series are easy to find and never clash with the app's. */
export const PREFIX = 'corral_'

export type MetricType = 'counter' | 'gauge' | 'histogram'

export interface MetricValue { value: number; labels: Record<string, string | number>; metricName?: string }

/** How the master merges a family across workers (prom-client's aggregators): summed, or the largest value. */
export type Aggregator = 'sum' | 'max'

/** One family as prom-client's getMetricsAsJSON() reports it, and as AggregatorRegistry.aggregate() reads it. */
export interface MetricJSON { name: string; help: string; type: MetricType; aggregator: Aggregator; values: MetricValue[] }

/** What a registry needs of a family: prom-client's Registry#registerMetric accepts this shape too. */
export interface Collector { readonly name: string; readonly help: string; readonly type: MetricType; readonly aggregator: Aggregator; get(): Promise<MetricJSON> }

interface PromLike { registerMetric(metric: never): void; getMetricsAsJSON(): Promise<unknown[]> }

const collectors = new Map<string, Collector>()
let prom: PromLike | undefined

/** Register a family; a second one of the same name (a module loaded twice) gets the first back. */
export function register<C extends Collector>(collector: C): C {
  const known = collectors.get(collector.name)
  if (known) return known as C
  collectors.set(collector.name, collector)
  prom?.registerMetric(collector as never)
  return collector
}

/**
 * prom-client's registry, once something loads it (metrics/registry.ts calls this): every family,
 * present and future, is registered there too, so the process has one registry to scrape.
 */
export function bridge(registry: PromLike): void {
  prom = registry
  for (const c of collectors.values()) registry.registerMetric(c as never)
}

/** Every family of this process, as JSON for the arbiter. */
export function collectAll(): Promise<unknown[]> {
  if (prom) return prom.getMetricsAsJSON()
  return Promise.all([...collectors.values()].map((c) => c.get()))
}

const KEY = '\u0001'

abstract class Family<S> implements Collector {
  abstract readonly type: MetricType
  aggregator: Aggregator = 'sum'
  protected readonly series = new Map<string, { labels: Record<string, string>; s: S }>()

  readonly name: string
  readonly help: string
  readonly labelNames: readonly string[]

  constructor(name: string, help: string, labelNames: readonly string[]) {
    this.name = name
    this.help = help
    this.labelNames = labelNames
  }

  protected abstract make(): S
  protected abstract values(labels: Record<string, string>, s: S, out: MetricValue[]): void

  /** The series for these label values, in labelNames' order; made on first use. Keep it: counting on it is one addition. */
  labels(...values: string[]): S {
    const key = values.join(KEY)
    let entry = this.series.get(key)
    if (!entry) {
      const labels: Record<string, string> = {}
      this.labelNames.forEach((n, i) => { labels[n] = values[i] ?? '' })
      this.series.set(key, (entry = { labels, s: this.make() }))
    }
    return entry.s
  }

  /** Forget every series (a gauge read afresh at each scrape, whose label sets come and go). */
  clear(): void {
    this.series.clear()
  }

  /** Forget one series (a closed pool, a removed upstream). */
  remove(...values: string[]): void {
    this.series.delete(values.join(KEY))
  }

  async get(): Promise<MetricJSON> {
    const out: MetricValue[] = []
    for (const { labels, s } of this.series.values()) this.values(labels, s, out)
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: out }
  }
}

export class Count { value = 0; inc(n = 1): void { this.value += n } }

export class CounterFamily extends Family<Count> {
  readonly type = 'counter'
  protected make() { return new Count() }
  protected values(labels: Record<string, string>, s: Count, out: MetricValue[]) { out.push({ value: s.value, labels }) }
}

export class Level { value = 0; set(v: number): void { this.value = v } }

export class GaugeFamily extends Family<Level> {
  readonly type = 'gauge'
  readonly #read: ((family: GaugeFamily) => void) | undefined

  /** read(), when given, sets the series just before each scrape (pool sizes and the like). */
  constructor(name: string, help: string, labelNames: readonly string[], read?: (family: GaugeFamily) => void) {
    super(name, help, labelNames)
    this.#read = read
  }

  protected make() { return new Level() }
  protected values(labels: Record<string, string>, s: Level, out: MetricValue[]) { out.push({ value: s.value, labels }) }

  override async get(): Promise<MetricJSON> {
    this.#read?.(this)
    return super.get()
  }
}

export class Timing {
  readonly counts: Float64Array
  sum = 0
  count = 0
  readonly #buckets: readonly number[]

  constructor(buckets: readonly number[]) {
    this.#buckets = buckets
    this.counts = new Float64Array(buckets.length)
  }

  observe(seconds: number): void {
    this.sum += seconds
    this.count++
    const b = this.#buckets
    for (let i = 0; i < b.length; i++) {
      if (seconds <= b[i]!) { this.counts[i]!++; return }
    }
  }
}

export class HistogramFamily extends Family<Timing> {
  readonly type = 'histogram'
  readonly buckets: readonly number[]

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    super(name, help, labelNames)
    this.buckets = buckets
  }

  protected make() { return new Timing(this.buckets) }

  protected values(labels: Record<string, string>, s: Timing, out: MetricValue[]) {
    let cumulative = 0
    this.buckets.forEach((le, i) => {
      cumulative += s.counts[i]!
      out.push({ value: cumulative, metricName: `${this.name}_bucket`, labels: { ...labels, le } })
    })
    out.push({ value: s.count, metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' } })
    out.push({ value: s.sum, metricName: `${this.name}_sum`, labels })
    out.push({ value: s.count, metricName: `${this.name}_count`, labels })
  }
}

export const counter = (name: string, help: string, labelNames: readonly string[]) =>
  register(new CounterFamily(name, help, labelNames))
export const gauge = (name: string, help: string, labelNames: readonly string[], read?: (family: GaugeFamily) => void, aggregator: Aggregator = 'sum') => {
  const family = new GaugeFamily(name, help, labelNames, read)
  family.aggregator = aggregator
  return register(family)
}
export const histogram = (name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) =>
  register(new HistogramFamily(name, help, labelNames, buckets))
