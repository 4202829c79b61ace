/**
 * `--workers auto` and `--threads auto`, fitted to the worker class and to the CPUs this container
 * may use (config/cpus.ts). async: one event loop per CPU is what keeps every core busy; sync: the
 * seeds' 2 x CPUs + 1, since a sync worker idles while it waits on I/O; threads: one process per
 * CPU, each with a small pool of threads for the CPU-heavy handlers.
 */
import { cpuBudget, type CpuBudget } from './cpus.js'
import type { Settings } from './settings/index.js'

export interface Counted { count: number; reason: string }

export function resolveWorkers(s: Pick<Settings, 'workers' | 'workerClass'>, sourceOfWorkers: string, budget: CpuBudget = cpuBudget()): Counted {
  if (s.workers !== 'auto') return { count: s.workers, reason: `set by ${sourceOfWorkers}` }
  const cpus = budget.cpus
  if (s.workerClass === 'sync') {
    return { count: Math.floor(2 * cpus) + 1, reason: `auto: 2 x ${cpus} CPUs + 1 for the sync worker class (${budget.source})` }
  }
  return { count: Math.max(1, Math.ceil(cpus)), reason: `auto: one per CPU for the ${s.workerClass} worker class (${budget.source})` }
}

/** Threads per process for the threads worker class: "auto" is 2, so one busy handler never blocks the rest. */
export function resolveThreads(s: Pick<Settings, 'threads'>): number {
  return s.threads === 'auto' ? 2 : s.threads
}

/**
 * Threads in each worker's offload pool: "auto" shares the CPUs among the worker processes, at
 * least one each, so the workers' pools together match the CPUs (the event loops mostly wait while
 * their threads compute).
 */
export function resolveOffloadThreads(s: Pick<Settings, 'offloadThreads' | 'workers' | 'workerClass'>, budget: CpuBudget = cpuBudget()): Counted {
  if (s.offloadThreads !== 'auto') return { count: s.offloadThreads, reason: 'set by --offload-threads' }
  const workers = resolveWorkers(s, '', budget).count
  return { count: Math.max(1, Math.round(budget.cpus / workers)), reason: `auto: ${budget.cpus} CPUs / ${workers} workers (${budget.source})` }
}
