/**
 * The one place the dashboard's data comes from: the page and `corral top` both read monitor.state().
 *
 * Two paces, so the master costs nothing while nobody looks:
 *   - nobody watching: every 5 s, a point from what the heartbeats already brought (served counts,
 *     in flight, memory, loop lag and utilisation); no message to any worker;
 *   - someone watching (a GET of the state in the last few seconds): every second, the workers'
 *     metrics too (one collect-metrics round trip, as a /metrics scrape does), which give latency,
 *     status codes and the io toolkit's numbers.
 * The history keeps the last 15 minutes of both kinds of point.
 */
import type { EventEmitter } from 'node:events'
import type { ExitReason, WorkerRecord } from '../arbiter/worker-record.js'
import { read, type MetricSample } from './readings.js'
import { pointOf, snapshotOf, type Inputs, type StatusView } from './snapshot.js'
import { Totals } from './totals.js'
import type { DashboardEvent, Point, Snapshot, State } from './wire.js'
import type { Gauges, Window } from './io-view.js'

export const IDLE_INTERVAL_MS = 5000
export const WATCHED_INTERVAL_MS = 1000
/** A state request keeps the fast pace this long (a poller asks every second; a closed tab stops asking). */
const WATCH_LINGER_MS = 5000
const HISTORY_MS = 15 * 60_000
const MAX_POINTS = 1200
/** The snapshot's rates are over about this long. */
const RECENT_MS = 5000
const MAX_EVENTS = 50
/** A worker slower than this to answer is left out of that sample (and counted at the next). */
const COLLECT_TIMEOUT_MS = 900

const NOT_RESTARTS = new Set<ExitReason>(['stop', 'scale'])
const RESTART_REASONS: ExitReason[] = ['crash', 'timeout', 'max_requests', 'lifetime', 'memory', 'reload', 'boot_failed']

interface Copy { t: number; full: boolean; totals: Map<string, number> }

/** Where the numbers come from: the arbiter, through arbiter/admin.ts (dashboard.ts makes one). */
export interface Source {
  status(): StatusView
  /** Each worker's registry (getMetricsAsJSON); workers that do not answer in time are left out. */
  collect(timeoutMs: number): Promise<{ id: number; metrics: unknown[] }[]>
  /** The arbiter's events: 'ready' (worker), 'exit' (worker, reason), 'reloaded' (generation). */
  events: Pick<EventEmitter, 'on' | 'off'>
}

/** Time, injectable so a test can drive the pace without waiting for it. */
export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(timer: unknown): void
}

const realClock: Clock = {
  now: Date.now,
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
}

export interface MonitorOptions {
  /** Collect the workers' metrics while watched (off with --no-metrics). */
  metrics: boolean
  actions: boolean
  clock?: Clock
}

export class Monitor {
  readonly #source: Source
  readonly #o: MonitorOptions
  readonly #clock: Clock
  readonly #startedAt: number
  readonly #totals = new Totals()
  #gauges: Gauges = new Map()
  readonly #points: Point[] = []
  /** Totals at recent samples; `run` is the unbroken tail of full ones. */
  #previous: Copy | undefined
  #run: Copy[] = []
  readonly #events: DashboardEvent[] = []
  readonly #restarts: Record<string, number> = Object.fromEntries(RESTART_REASONS.map((r) => [r, 0]))
  #snapshot: Snapshot | undefined
  #target: number
  #watchedAt = 0
  #timer: unknown
  #fast = false
  #sampling: Promise<void> | undefined
  readonly #off: (() => void)[] = []

  constructor(source: Source, o: MonitorOptions) {
    this.#source = source
    this.#o = o
    this.#clock = o.clock ?? realClock
    this.#startedAt = this.#clock.now()
    this.#target = source.status().target
    this.#listen('ready', (w: WorkerRecord) => this.#event('ready', `worker ${w.id} (pid ${w.pid}) ready, generation ${w.generation}`))
    this.#listen('exit', (w: WorkerRecord, reason: ExitReason) => {
      const how = w.process.process.signalCode ?? (w.process.process.exitCode !== null ? `exit ${w.process.process.exitCode}` : 'gone')
      this.#event('exit', `worker ${w.id} (pid ${w.pid}) exited: ${reason} (${how})`)
      if (!NOT_RESTARTS.has(reason)) this.#restarts[reason] = (this.#restarts[reason] ?? 0) + 1
    })
    this.#listen('reloaded', (generation: number) => this.#event('reload', `reload done: generation ${generation} serving`))
    this.#schedule(IDLE_INTERVAL_MS)
  }

  /** The dashboard's document. Asking for it is watching: the fast pace starts (and the first full sample is awaited). */
  async state(since = 0): Promise<State> {
    this.#watchedAt = this.#clock.now()
    if (!this.#fast) {
      this.#fast = true
      this.#schedule(WATCHED_INTERVAL_MS)
      await this.#sample()
    }
    if (!this.#snapshot) await this.#sample()
    return {
      snapshot: this.#snapshot!,
      points: since > 0 ? this.#points.filter((p) => p.t > since) : this.#points.slice(),
      historyMs: HISTORY_MS,
      intervalMs: WATCHED_INTERVAL_MS,
    }
  }

  get watched(): boolean { return this.#fast }

  close(): void {
    this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    for (const off of this.#off) off()
  }

  #listen(event: string, fn: (...args: any[]) => void): void {
    this.#source.events.on(event, fn)
    this.#off.push(() => this.#source.events.off(event, fn))
  }

  #event(kind: DashboardEvent['kind'], text: string): void {
    this.#events.push({ at: this.#clock.now(), kind, text })
    if (this.#events.length > MAX_EVENTS) this.#events.shift()
  }

  #schedule(ms: number): void {
    this.#clock.clearTimeout(this.#timer)
    const tick = () => {
      if (this.#fast && this.#clock.now() - this.#watchedAt > WATCH_LINGER_MS) {
        this.#fast = false
        ms = IDLE_INTERVAL_MS
      }
      if (!this.#sampling) void this.#sample()
      this.#timer = this.#clock.setTimeout(tick, ms)
    }
    this.#timer = this.#clock.setTimeout(tick, ms)
  }

  #sample(): Promise<void> {
    this.#sampling ??= this.#take().finally(() => { this.#sampling = undefined })
    return this.#sampling
  }

  async #take(): Promise<void> {
    const withMetrics = this.#fast && this.#o.metrics
    const replies = withMetrics ? await this.#source.collect(COLLECT_TIMEOUT_MS) : []
    const at = this.#clock.now()
    const st = this.#source.status()
    for (const w of st.workers) this.#totals.add(Number(w.id), new Map([['served', { name: 'served', labels: {}, value: Number(w.served) }]]))
    const gauges: Gauges = new Map()
    for (const r of replies) {
      const reading = read(r.metrics)
      this.#totals.add(r.id, reading.counters)
      gauges.set(r.id, reading.gauges)
    }
    this.#totals.keepOnly(new Set(st.workers.map((w) => Number(w.id))))
    this.#gauges = gauges
    if (st.target !== this.#target) {
      this.#event('scale', `workers: target ${this.#target} → ${st.target}`)
      this.#target = st.target
    }

    const full = withMetrics && replies.length > 0
    const copy: Copy = { t: at, full, totals: this.#totals.copy() }
    const step = this.#previous ? this.#window(this.#previous, at, full && this.#previous.full) : null
    this.#run = full ? [...this.#run, copy].filter((c) => c.t >= at - RECENT_MS * 2) : []
    const base = full
      ? this.#run.find((c) => c !== copy && c.t >= at - RECENT_MS - WATCHED_INTERVAL_MS / 2) ?? this.#run.at(-2)
      : this.#previous
    const recent = base ? this.#window(base, at, full && base.full) : null
    this.#previous = copy

    const inputs: Inputs = {
      at, status: st, all: this.#totals.all(), recent, step, full, gauges,
      metrics: this.#o.metrics, actions: this.#o.actions, startedAt: this.#startedAt,
      restarts: this.#restarts, events: this.#events,
    }
    const snapshot = snapshotOf(inputs)
    this.#snapshot = snapshot
    this.#points.push(pointOf(inputs, snapshot))
    while (this.#points.length > MAX_POINTS || (this.#points.length && this.#points[0].t < at - HISTORY_MS)) this.#points.shift()
  }

  /** What grew since an earlier copy; only the heartbeats' served counts unless both ends had the workers' metrics. */
  #window(from: Copy, at: number, withMetrics: boolean): Window | null {
    const seconds = (at - from.t) / 1000
    if (seconds <= 0) return null
    const grew: MetricSample[] = this.#totals.since(from.totals)
    return { samples: withMetrics ? grew : grew.filter((s) => s.name === 'served'), seconds, metrics: withMetrics }
  }
}
