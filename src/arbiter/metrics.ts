/**
 * The arbiter's own series: restarts by reason, reload generation, workers, and each worker's event
 * loop. Light families (metrics/families.ts), so the master loads prom-client only when /metrics is
 * first scraped, not on the way to its first answer.
 */
import { counter, gauge, PREFIX, type GaugeFamily } from '../metrics/families.js'
import type { Arbiter } from './arbiter.js'
import type { ExitReason, WorkerRecord } from './worker-record.js'

export function arbiterMetrics(a: Arbiter): void {
  const restarts = counter(`${PREFIX}worker_restarts_total`, 'Workers that exited and were replaced, by reason.', ['reason'])
  for (const reason of ['crash', 'timeout', 'max_requests', 'lifetime', 'memory', 'reload', 'boot_failed', 'sigterm'] as const) restarts.labels(reason)
  a.on('exit', (_w: WorkerRecord, reason: ExitReason) => {
    if (reason !== 'stop' && reason !== 'scale') restarts.labels(reason).inc()
  })
  gauge(`${PREFIX}reload_generation`, 'The reload generation: 1 at start, +1 per successful reload.', [], (g) => g.labels().set(a.generation))
  gauge(`${PREFIX}workers`, 'Workers by state.', ['state'], (g) => {
    const counts = { booting: 0, ready: 0, draining: 0 }
    for (const w of a.workers()) counts[w.state]++
    for (const [state, n] of Object.entries(counts)) g.labels(state).set(n)
  })
  gauge(`${PREFIX}workers_target`, 'The worker count the arbiter keeps.', [], (g) => g.labels().set(a.target))
  gauge(`${PREFIX}connections_waiting_for_worker`, 'Connections the master accepted that no worker has taken yet (round-robin hands a worker one per turn of its event loop; docs/balance.md). 0 with reuseport and shared.', [], (g) => g.labels().set(a.intake?.waiting() ?? 0))
  const perWorker = (name: string, help: string, pick: (w: WorkerRecord) => number) => gauge(`${PREFIX}${name}`, help, ['worker'], (g: GaugeFamily) => {
    g.clear()
    for (const w of a.workers()) if (w.beat) g.labels(String(w.id)).set(pick(w))
  })
  perWorker('worker_event_loop_lag_seconds', 'Mean event-loop lag over the last heartbeat interval (how late due timers ran; 0 when idle), per worker.', (w) => (w.beat?.loopLagMs ?? 0) / 1000)
  perWorker('worker_event_loop_utilization', 'Share of time the event loop was busy over the last heartbeat interval, per worker.', (w) => w.beat?.loopUtilization ?? 0)
  perWorker('worker_resident_memory_bytes', 'Resident memory (RSS) at the last heartbeat, per worker.', (w) => w.rss)
  perWorker('worker_requests_served', 'Requests served by the worker since it was spawned.', (w) => w.served)
}
