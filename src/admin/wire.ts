/**
 * What the dashboard page and `corral top` read from the admin port: one JSON document, the same
 * for both, made by monitor.ts. Types only, no imports, so the browser code (page/) shares them.
 *
 *   GET  /dashboard/state              → State, with every point of the history
 *   GET  /dashboard/state?since=T      → State, with the points taken after T (ms since the epoch)
 *   POST /dashboard/actions/reload     → { ok: true, generation } | { ok: false, error }
 *   POST /dashboard/actions/scale      body {"to": N} → { ok: true, target } | { ok: false, error }
 *
 * The actions answer 403 unless --dashboard-actions is on, and refuse a request without
 * `content-type: application/json` or from another origin (the admin port has no authentication;
 * a page elsewhere must not be able to reload the server through a visitor's browser).
 * Every GET of /dashboard/state counts as someone watching: for a few seconds after it, the
 * master collects the workers' metrics every second instead of reading heartbeats every 5 s.
 */

export interface WorkerRow {
  id: number
  pid: number
  generation: number
  state: string
  ageMs: number
  served: number
  inFlight: number
  heartbeatAgeMs: number
  rss: number
  loopLagMs: number
  loopUtilization: number
  /** The worker's admission under its adaptive limit, when the overload control reports one. */
  overload: WorkerOverload | null
  /** Other plain fields /status has beyond the ones above (nested ones as `a.b`). */
  extra: Record<string, number | string | boolean>
}

export interface WorkerOverload { limit: number; running: number; waiting: number; held: number; shed: number }

export interface Latency { p50: number; p95: number; p99: number }

export interface StatusCount { code: string; total: number; perSecond: number }

export interface UpstreamRow {
  name: string
  calls: number
  perSecond: number
  errorsPerSecond: number
  /** Failed attempts since start, by kind (timeout, connect, reset, status, open, other). */
  errors: Record<string, number>
  p95Ms: number | null
  /** How many workers see the breaker in each state. */
  breaker: { closed: number; halfOpen: number; open: number }
}

export interface PoolRow { name: string; size: number | null; open: number; idle: number; inUse: number; waiting: number; queriesPerSecond: number; errorsPerSecond: number }

export interface QueueRow { name: string; queued: number | null; active: number | null; dead: number | null; runsPerSecond: number; failuresPerSecond: number }

export interface CacheRow { name: string; hitRatio: number | null; readsPerSecond: number }

/**
 * A family of corral_overload_* metrics: a gauge's value (summed across workers, or the worst
 * worker's for a duration in seconds), or a counter's total and rate.
 */
export interface OverloadRow { name: string; kind: 'gauge' | 'counter'; total: number; perSecond: number | null; perWorker: Record<string, number> }

export interface DashboardEvent { at: number; kind: 'spawn' | 'ready' | 'exit' | 'reload' | 'scale'; text: string }

export interface Snapshot {
  at: number
  pid: number
  state: string
  generation: number
  target: number
  startedAt: number
  /** The master collects the workers' metrics (off with --no-metrics: no latency, codes or io numbers). */
  metrics: boolean
  /** --dashboard-actions is on: reload and scale may be asked for. */
  actions: boolean
  workers: WorkerRow[]
  requests: {
    total: number
    /** Over the last few seconds. */
    perSecond: number | null
    inFlight: number
    latencyMs: Latency | null
    byStatus: StatusCount[]
  }
  upstreams: UpstreamRow[]
  pools: PoolRow[]
  queues: QueueRow[]
  caches: CacheRow[]
  overload: OverloadRow[]
  /** Workers replaced since start, by why they went (crash, timeout, max_requests, lifetime, memory, reload, boot_failed). */
  restarts: Record<string, number>
  events: DashboardEvent[]
}

/**
 * One sample of the history. A `full` point was taken while someone watched and has the numbers
 * only the workers' metrics give; the others (every 5 s, from heartbeats) carry null there.
 */
export interface Point {
  t: number
  full: boolean
  rps: number | null
  /** Responses per second by class: 2xx, 3xx, 4xx, 5xx. */
  codes: [number, number, number, number] | null
  p50: number | null
  p95: number | null
  p99: number | null
  inFlight: number
  workers: number
  rssBytes: number
  /** The worst worker's mean loop delay, ms. */
  lagMs: number
  /** Mean event-loop utilisation across workers, 0–1. */
  utilization: number
  upstreamRps: number | null
  upstreamErrorsPerSecond: number | null
  dbInUse: number | null
  dbWaiting: number | null
  queued: number | null
  restarts: number
  /** Each corral_overload_* gauge that counts (limit, running, queue length), summed across workers. */
  overload: Record<string, number> | null
}

export interface State {
  snapshot: Snapshot
  points: Point[]
  /** How far back the history reaches, ms. */
  historyMs: number
  /** How often a point is taken while someone watches, ms. */
  intervalMs: number
}
