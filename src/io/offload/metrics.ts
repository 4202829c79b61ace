/**
 * The offload pool's series, labelled by task ("tasks.ts:hash": the module's file name and the
 * export), created on first use and looked up afterwards so that loading this module twice never
 * registers a family twice (as io/upstream-metrics.ts does). The gauges read the live pool when
 * scraped; the arbiter sums them across workers.
 */
import { Counter, Gauge, Histogram } from 'prom-client'
import { PREFIX, registry } from '../../metrics/registry.js'
import type { TaskOutcome } from '../../threads/pool.js'

function family<T>(name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make()
}

/** What the gauges read; the pool of the worker that is scraped. */
export interface PoolView { readonly queued: number; readonly busy: number; readonly threads: number }

let view: PoolView | undefined

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export const offloadMetrics = {
  queued: family(`${PREFIX}offload_queue_length`, () => new Gauge({
    name: `${PREFIX}offload_queue_length`,
    help: 'offload() tasks waiting for a thread of the worker\'s pool.',
    registers: [registry],
    collect() { this.set(view?.queued ?? 0) },
  })),
  busy: family(`${PREFIX}offload_threads_busy`, () => new Gauge({
    name: `${PREFIX}offload_threads_busy`,
    help: 'Threads of the offload pool running a task (abandoned tasks still running included).',
    registers: [registry],
    collect() { this.set(view?.busy ?? 0) },
  })),
  threads: family(`${PREFIX}offload_threads`, () => new Gauge({
    name: `${PREFIX}offload_threads`,
    help: 'Threads in the offload pool (0 until the worker\'s first offload() call starts it).',
    registers: [registry],
    collect() { this.set(view?.threads ?? 0) },
  })),
  taskTime: family(`${PREFIX}offload_task_duration_seconds`, () => new Histogram({
    name: `${PREFIX}offload_task_duration_seconds`,
    help: 'Time an offloaded task ran on its thread, by task (abandoned ones included, to their end).',
    labelNames: ['task'] as const,
    buckets: BUCKETS,
    registers: [registry],
  })),
  waitTime: family(`${PREFIX}offload_queue_wait_seconds`, () => new Histogram({
    name: `${PREFIX}offload_queue_wait_seconds`,
    help: 'Time an offloaded task waited for a thread, by task.',
    labelNames: ['task'] as const,
    buckets: BUCKETS,
    registers: [registry],
  })),
  tasks: family(`${PREFIX}offload_tasks_total`, () => new Counter({
    name: `${PREFIX}offload_tasks_total`,
    help: 'offload() tasks by outcome: ok, error (the task threw), dropped (aborted while waiting), abandoned (aborted while running, ended within --offload-abandon-timeout), recycled (ran past it: thread replaced), full (refused: queue full).',
    labelNames: ['task', 'outcome'] as const,
    registers: [registry],
  })),
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
