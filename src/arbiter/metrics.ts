/** The arbiter's own series: restarts by reason, reload generation, workers, and each worker's event loop. */
import { Counter, Gauge } from 'prom-client'
import { registry, PREFIX } from '../metrics/registry.js'
import type { Arbiter } from './arbiter.js'
import type { ExitReason, WorkerRecord } from './worker-record.js'

export function arbiterMetrics(a: Arbiter): void {
  const restarts = new Counter({ name: `${PREFIX}worker_restarts_total`, help: 'Workers that exited and were replaced, by reason.', labelNames: ['reason'], registers: [registry] })
  for (const reason of ['crash', 'timeout', 'max_requests', 'lifetime', 'memory', 'reload', 'boot_failed', 'sigterm'] as const) restarts.labels(reason).inc(0)
  a.on('exit', (_w: WorkerRecord, reason: ExitReason) => {
    if (reason !== 'stop' && reason !== 'scale') restarts.labels(reason).inc()
  })
  new Gauge({ name: `${PREFIX}reload_generation`, help: 'The reload generation: 1 at start, +1 per successful reload.', registers: [registry], collect() { this.set(a.generation) } })
  new Gauge({
    name: `${PREFIX}workers`, help: 'Workers by state.', labelNames: ['state'], registers: [registry],
    collect() {
      this.reset()
      const counts = { booting: 0, ready: 0, draining: 0 }
      for (const w of a.workers()) counts[w.state]++
      for (const [state, n] of Object.entries(counts)) this.labels(state).set(n)
    },
  })
  new Gauge({ name: `${PREFIX}workers_target`, help: 'The worker count the arbiter keeps.', registers: [registry], collect() { this.set(a.target) } })
  const perWorker = (name: string, help: string, pick: (w: WorkerRecord) => number) => new Gauge({
    name: `${PREFIX}${name}`, help, labelNames: ['worker'], registers: [registry],
    collect() {
      this.reset()
      for (const w of a.workers()) if (w.beat) this.labels(String(w.id)).set(pick(w))
    },
  })
  perWorker('worker_event_loop_lag_seconds', 'Mean event-loop lag over the last heartbeat interval (how late due timers ran; 0 when idle), per worker.', (w) => (w.beat?.loopLagMs ?? 0) / 1000)
  perWorker('worker_event_loop_utilization', 'Share of time the event loop was busy over the last heartbeat interval, per worker.', (w) => w.beat?.loopUtilization ?? 0)
  perWorker('worker_resident_memory_bytes', 'Resident memory (RSS) at the last heartbeat, per worker.', (w) => w.rss)
  perWorker('worker_requests_served', 'Requests served by the worker since it was spawned.', (w) => w.served)
}
