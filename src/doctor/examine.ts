/**
 * The doctor's examination of one route: a warm-up, one request at a time, then `concurrency` at
 * once, with the worker's scheduler counters read from /proc around each window.
 *
 * Alone, a request's life in the worker is its event loop computing, waiting for a CPU, or asleep
 * with nothing to run: waiting on I/O (an upstream, the database, a timer). The sleep is the wall
 * time less the loop's CPU and CPU wait; the gap between one answer and the next request is the
 * doctor's own turn, taken out too. Measured that way the split holds on a machine so busy that
 * every wake-up waits tens of ms for a CPU, where wall time alone would call everything I/O-bound.
 */
import { ownBusyMs, processCpu } from './cpu-time.js'
import { drive, percentile } from './drive.js'
import { readWorker, type Session } from './session.js'
import type { RouteMeasure } from './verdict.js'

export interface ExamineOptions {
  durationMs: number
  concurrency: number
  maxRequests: number
}

export class RouteFailed extends Error {}

export async function examine(s: Session, path: string, o: ExamineOptions): Promise<RouteMeasure> {
  const base = { origin: s.origin, path }
  // JIT and connection warm-up, not counted: by count, since on a busy machine a short time is few
  // requests, and a handler's first few hundred run unoptimised at several times their cost.
  await drive({ ...base, concurrency: 4, durationMs: o.durationMs, maxRequests: 300 })

  const w0 = processCpu(s.workerPid)
  const own0 = ownBusyMs()
  const solo = await drive({ ...base, concurrency: 1, durationMs: o.durationMs / 2, maxRequests: o.maxRequests })
  const w1 = processCpu(s.workerPid)
  const own1 = ownBusyMs()
  if (solo.requests === 0 || solo.errors === solo.requests) {
    throw new RouteFailed(`${path}: no request was answered with success (${solo.firstError ?? 'no answer'})`)
  }
  const n = solo.requests
  const loopCpuMs = (w1.mainCpuMs - w0.mainCpuMs) / n
  const asleepMs = (solo.wallMs - (w1.mainCpuMs - w0.mainCpuMs) - (w1.mainWaitMs - w0.mainWaitMs)) / n
  const ioWaitMs = Math.max(0, asleepMs - (own1 - own0) / n)

  const l0 = processCpu(s.workerPid)
  const loaded = await drive({ ...base, concurrency: o.concurrency, durationMs: o.durationMs, maxRequests: o.maxRequests })
  const l1 = processCpu(s.workerPid)
  // The heartbeat reports the utilisation of its last interval: read after the window, it covers it.
  const worker = await readWorker(s)
  const answered = Math.max(1, loaded.requests)
  return {
    path,
    solo: { requests: n, p50Ms: percentile(solo.latencies, 50), p99Ms: percentile(solo.latencies, 99), loopCpuMs, ioWaitMs },
    loaded: {
      concurrency: o.concurrency, requests: loaded.requests, errors: loaded.errors, statuses: loaded.statuses, firstError: loaded.firstError,
      rps: loaded.requests / (loaded.wallMs / 1000),
      p50Ms: percentile(loaded.latencies, 50), p99Ms: percentile(loaded.latencies, 99),
      cpuMsPerRequest: (l1.cpuMs - l0.cpuMs) / answered,
      loopCpuMsPerRequest: (l1.mainCpuMs - l0.mainCpuMs) / answered,
      cores: (l1.cpuMs - l0.cpuMs) / loaded.wallMs,
      loopUtilization: worker?.loopUtilization,
    },
  }
}
