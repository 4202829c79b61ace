/**
 * How big a worker's offload pool is. The worker resolves it from its settings at boot
 * (--offload-threads, --offload-queue, --offload-abandon-timeout) and publishes it here; offload()
 * reads it when it starts the pool. It lives on globalThis, not in this module, because the app may
 * reach corral/io through a second copy of corral (a .ts import of the sources, a nested install)
 * and must still see its worker's plan. Outside a worker (a script, a test) the defaults below
 * apply, with a thread per CPU this process may run on.
 */
import { availableParallelism } from 'node:os'

export interface OffloadPlan {
  threads: number
  queue: number
  abandonMs: number
}

/** The settings table's defaults (config/settings/offload.ts reads them from here). */
export const OFFLOAD_DEFAULTS = { queue: 100, abandonMs: 1000 } as const

const PLAN = Symbol.for('corral.offload.plan')
const slot = globalThis as { [PLAN]?: () => OffloadPlan }

/** Given as a function: working it out reads the cgroup files, which only a worker that offloads needs. */
export function setOffloadPlan(plan: () => OffloadPlan): void {
  slot[PLAN] = plan
}

export function offloadPlan(): OffloadPlan {
  return slot[PLAN]?.() ?? { threads: availableParallelism(), queue: OFFLOAD_DEFAULTS.queue, abandonMs: OFFLOAD_DEFAULTS.abandonMs }
}
