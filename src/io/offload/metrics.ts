/**
 * The offload pool's series, labelled by task ("tasks.ts:hash": the module's file name and the
 * export), counted in metrics/families.ts (plain additions, no prom-client in the worker). The
 * gauges read the live pool when scraped; the arbiter sums them across workers.
 */
import { counter, gauge, histogram, PREFIX } from '../../metrics/families.js'
import type { TaskOutcome } from '../../threads/pool.js'

/** What the gauges read; the pool of the worker that is scraped. */
export interface PoolView { readonly queued: number; readonly busy: number; readonly threads: number }

let view: PoolView | undefined

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

const reading = (pick: (v: PoolView) => number) => (family: { labels(): { set(v: number): void } }) => family.labels().set(view ? pick(view) : 0)

export const offloadMetrics = {
  queued: gauge(`${PREFIX}offload_queue_length`, 'offload() tasks waiting for a thread of the worker\'s pool.', [], reading((v) => v.queued)),
  busy: gauge(`${PREFIX}offload_threads_busy`, 'Threads of the offload pool running a task (abandoned tasks still running included).', [], reading((v) => v.busy)),
  threads: gauge(`${PREFIX}offload_threads`, 'Threads in the offload pool (0 until the worker\'s first offload() call starts it).', [], reading((v) => v.threads)),
  taskTime: histogram(`${PREFIX}offload_task_duration_seconds`,
    'Time an offloaded task ran on its thread, by task (abandoned ones included, to their end).', ['task'], BUCKETS),
  waitTime: histogram(`${PREFIX}offload_queue_wait_seconds`, 'Time an offloaded task waited for a thread, by task.', ['task'], BUCKETS),
  tasks: counter(`${PREFIX}offload_tasks_total`,
    'offload() tasks by outcome: ok, error (the task threw), dropped (aborted while waiting), abandoned (aborted while running, ended within --offload-abandon-timeout), recycled (ran past it: thread replaced), full (refused: queue full).',
    ['task', 'outcome']),
}

export function watchPool(pool: PoolView | undefined): void {
  view = pool
}

export function countTask(task: string, outcome: TaskOutcome, waitMs: number, runMs: number): void {
  offloadMetrics.tasks.labels(task, outcome).inc()
  if (outcome === 'full') return
  offloadMetrics.waitTime.labels(task).observe(waitMs / 1000)
  if (outcome !== 'dropped') offloadMetrics.taskTime.labels(task).observe(runMs / 1000)
}
