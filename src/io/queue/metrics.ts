/** The job queue's Prometheus series on corral's registry, made once per process. */
import { Histogram } from 'prom-client'
import { PREFIX, registry } from '../../metrics/registry.js'

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
