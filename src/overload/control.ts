/**
 * A worker's overload control, made from the settings: the limit (adaptive for the async worker
 * class, static with --no-overload-control and for the sync and threads classes), the admission that applies it, the priority
 * routes, and what the heartbeat and /metrics report.
 */
import type { Settings } from '../config/settings/index.js'
import type { OverloadStatus } from '../ipc/messages.js'
import { Admission } from './admission.js'
import { GradientLimit, occupancyMeter, StaticLimit, type CpuTimes } from '../concurrency/limit.js'
import { budgets, pressureMeter } from '../concurrency/pressure.js'
import { OverloadCounts, overloadStatus } from './metrics.js'
import { priorityRoutes } from './priority.js'
import { wakeResting } from './pace.js'

export interface OverloadControl {
  admission: Admission
  priority: (url: string) => boolean
  status(): OverloadStatus
  tick(now: number): void
}

/** `cpu`: the main thread's scheduler counters (worker/schedstat.ts), where the OS has them. */
export function overloadControl(s: Settings, medianAge: (now: number) => number, cpu?: CpuTimes): OverloadControl {
  const counts = new OverloadCounts()
  const sync = s.workerClass === 'sync'
  // The threads class spends its requests' CPU in pool threads, which the main loop's utilisation
  // (what tells the adaptive limit a full worker from slow I/O) does not see: it keeps the static cap.
  const adaptive = s.overloadControl && s.workerClass === 'async'
  const max = s.workerConnections
  const limit = sync ? new StaticLimit(1)
    : adaptive ? new GradientLimit({
      min: Math.min(s.overloadMinLimit, max), max, tolerance: s.overloadTolerance, saturated: s.overloadLoopUtilization,
      loop: cpu && s.overloadCpuWait ? occupancyMeter(cpu) : undefined,
      // What corral/io's pools and upstream limits report: requests that mostly wait in our own queues downstream.
      pressure: pressureMeter(), downstream: s.overloadDownstreamQueued,
      // Calls of gather() past their budgets: degraded answers, a sign of overload of their own.
      budgets,
    })
    : new StaticLimit(max)
  const admission = new Admission({
    limit,
    // sync: one at a time, the rest wait in arrival order with no deadline (Gunicorn's sync worker),
    // up to --worker-connections in all. Static: --worker-connections at once, a 503 past it.
    hardCap: sync ? 1 : max,
    queueMax: sync ? max - 1 : adaptive ? s.overloadQueue : 0,
    queueTimeoutMs: adaptive ? s.overloadQueueTimeout : 0,
    medianAge,
    onShed: (reason) => counts.shed(reason),
    onQueued: (ms) => counts.waited(ms),
    onRoom: wakeResting,
  })
  if (s.metrics) counts.register(() => admission)
  return {
    admission,
    priority: priorityRoutes(s.overloadPriorityRoutes),
    status: () => overloadStatus(admission, counts),
    tick: (now) => admission.tick(now),
  }
}
