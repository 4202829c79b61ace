/** The job queue's Prometheus series on corral's registry, made once per process. */
import { Gauge, Histogram } from 'prom-client'
import { PREFIX, registry } from '../../metrics/registry.js'
import { DEPTH_STATES, type DepthReader } from './depth.js'

export type Outcome = 'done' | 'retry' | 'dead'

let runs: Histogram<'queue' | 'outcome'> | undefined

/** One handler run: its time and how it ended (the histogram's count is the jobs-by-outcome counter). */
export function recordJob(queue: string, outcome: Outcome, seconds: number): void {
  runs ??= new Histogram({
    name: PREFIX + 'queue_job_duration_seconds', help: 'Handler time per job run, by how the run ended.',
    labelNames: ['queue', 'outcome'], registers: [registry],
    buckets: [0.005, 0.025, 0.1, 0.5, 1, 5, 30, 120, 600],
  })
  runs.observe({ queue, outcome }, seconds)
}

const readers = new Set<DepthReader>()
let depth: Gauge<'queue' | 'state'> | undefined

/**
 * Report a queue table's depth on corral_queue_jobs{queue,state}. Every worker counts the same
 * table, so across workers the gauge takes the largest figure, not the sum.
 */
export function watchDepth(reader: DepthReader): () => void {
  depth ??= new Gauge({
    name: PREFIX + 'queue_jobs', help: 'Jobs per queue that wait (queued), run (active) or failed for good (dead).',
    labelNames: ['queue', 'state'], registers: [registry], aggregator: 'max',
    collect() {
      this.reset()
      for (const r of readers) {
        for (const [queue, counts] of r.read()) for (const state of DEPTH_STATES) this.set({ queue, state }, counts[state])
      }
    },
  })
  readers.add(reader)
  return () => { readers.delete(reader) }
}
