/**
 * What the overload control reports: Prometheus families (corral_overload_*, read when the arbiter
 * scrapes; the dashboard shows every family of that prefix) and the `overload` part of each
 * heartbeat, which /status, the dashboard's worker table and `corral top` read.
 */
import { counter, gauge, histogram, PREFIX, type Count, type Timing } from '../metrics/families.js'
import type { OverloadStatus } from '../ipc/messages.js'
import { SHED_REASONS, type Admission, type ShedReason } from './admission.js'
import { downstream } from '../concurrency/pressure.js'
import { restingConnections } from './pace.js'

const QUEUED_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const

/** Counts kept whether or not Prometheus metrics are on: the heartbeat reports them. */
export class OverloadCounts {
  queued = 0
  queuedMs = 0
  #shed: Record<ShedReason, Count> | undefined
  #timing: Timing | undefined

  /** Register the corral_overload_* families (--metrics). */
  register(admission: () => Admission | undefined): void {
    const level = (name: string, help: string, read: (a: Admission) => number, aggregator: 'sum' | 'max' = 'sum') =>
      gauge(`${PREFIX}overload_${name}`, help, [], (g) => {
        const a = admission()
        if (a) g.labels().set(read(a))
      }, aggregator)
    level('limit', 'The adaptive concurrency limit: requests a worker runs at once before others wait or are shed.', (a) => a.limit)
    level('running', 'Requests running under the overload control now.', (a) => a.running)
    level('queue_length', 'Requests waiting for a slot now.', (a) => a.waiting)
    level('resting', 'HTTP/1 connections not read now: resting after a refusal, each until a slot frees for it (longest resting first) or its rest ends: a service time, or as long as their line takes to get a slot where they outnumber the requests running.', () => restingConnections())
    level('held', 'Open WebSockets, each holding a slot of --worker-connections.', (a) => a.held)
    level('baseline_seconds', 'The no-load median service time the limit is measured against (the slowest worker\'s).', (a) => finite(a.limiter.baselineMs) / 1000, 'max')
    level('loop_utilization', 'The event loop\'s utilisation over the limit\'s last step, or its thread\'s time on a CPU or waiting for one where that is more (--overload-cpu-wait; the busiest worker\'s): at --overload-loop-utilization or more, latency moves the limit.', (a) => finite(a.limiter.utilization), 'max')
    level('downstream_queued_ratio', 'Downstream pressure over the limit\'s last step (the busiest worker\'s): the share of time spent on databases and upstreams that was spent queued in corral\'s own pools and upstream limits; past --overload-downstream-queued, latency moves the limit.', (a) => finite(a.limiter.pressure), 'max')
    level('latency_seconds', 'The median service time of the last window the limit was moved on (the slowest worker\'s).', (a) => finite(a.limiter.sampleMs) / 1000, 'max')
    level('capacity_per_second', 'Requests a second a worker gets through at a full event loop, as its limit learnt it (summed over workers): with the baseline and --overload-tolerance it bounds how far a full loop lets the limit stretch.', (a) => finite(a.limiter.capacity))
    const shed = counter(`${PREFIX}overload_shed_total`, 'Requests not run: full (limit and queue full, or the predicted wait too long), timeout (waited --overload-queue-timeout), gone (the client left while queued).', ['reason'])
    this.#shed = Object.fromEntries(SHED_REASONS.map((r) => [r, shed.labels(r)])) as Record<ShedReason, Count>
    this.#timing = histogram(`${PREFIX}overload_queued_seconds`, 'Time requests waited in the overload queue, started or shed.', [], QUEUED_BUCKETS).labels()
  }

  shed(reason: ShedReason): void {
    this.#shed?.[reason].inc()
  }

  waited(ms: number): void {
    this.queued++
    this.queuedMs += ms
    this.#timing?.observe(ms / 1000)
  }
}

const finite = (n: number) => (Number.isFinite(n) ? n : 0)

/** The heartbeat's `overload` part. */
export function overloadStatus(a: Admission, counts: OverloadCounts): OverloadStatus {
  return {
    limit: a.limit, running: a.running, waiting: a.waiting, held: a.held, shed: { ...a.shed },
    queued: counts.queued, queuedMs: Math.round(counts.queuedMs),
    baselineMs: round(a.limiter.baselineMs), latencyMs: round(a.limiter.sampleMs), utilization: round(a.limiter.utilization), pressure: round(a.limiter.pressure),
    budgetsMissed: round(a.limiter.budgetsMissed), capacity: round(a.limiter.capacity),
    downstream: { queued: downstream.queued, busy: downstream.busy },
    resting: restingConnections(),
  }
}

const round = (n: number) => (Number.isFinite(n) ? Math.round(n * 100) / 100 : null)
