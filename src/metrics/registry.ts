/**
 * The process's one Prometheus registry. Workers (and the io toolkit inside them) register their
 * metrics here; the arbiter collects each worker's registry over IPC and serves the aggregate
 * (prom-client's AggregatorRegistry semantics: counters and histograms summed, gauges per worker).
 */
import { Registry } from 'prom-client'

export const registry = new Registry()

/** Metric names all start with this, so corral's series are easy to find and never clash with the app's. */
export const PREFIX = 'corral_'
