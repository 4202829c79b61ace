/** The job queue's series: handler time by queue and outcome, and each queue's depth. */
import { gauge, histogram, PREFIX } from '../../metrics/families.js'
import { DEPTH_STATES, type DepthReader } from './depth.js'

export type Outcome = 'done' | 'retry' | 'dead'

const runs = histogram(`${PREFIX}queue_job_duration_seconds`, 'Handler time per job run, by how the run ended.',
  ['queue', 'outcome'], [0.005, 0.025, 0.1, 0.5, 1, 5, 30, 120, 600])

/** One handler run: its time and how it ended (the histogram's count is the jobs-by-outcome counter). */
export function recordJob(queue: string, outcome: Outcome, seconds: number): void {
  runs.labels(queue, outcome).observe(seconds)
}

const readers = new Set<DepthReader>()

/**
 * corral_queue_jobs{queue,state}: every worker counts the same table, so across workers the gauge
 * takes the largest figure, not the sum.
 */
const depth = gauge(PREFIX + 'queue_jobs', 'Jobs per queue that wait (queued), run (active) or failed for good (dead).',
  ['queue', 'state'], (family) => {
    family.clear()
    for (const r of readers) {
      for (const [queue, counts] of r.read()) for (const state of DEPTH_STATES) family.labels(queue, state).set(counts[state])
    }
  }, 'max')

/** Report a queue table's depth on corral_queue_jobs{queue,state}. */
export function watchDepth(reader: DepthReader): () => void {
  readers.add(reader)
  return () => { readers.delete(reader) }
}
