/**
 * The dashboard's numbers at one moment (a Snapshot) and the line it adds to the history (a
 * Point), computed from the master's /status, the server's running totals (totals.ts) and the
 * workers' latest gauges. Pure functions: the monitor decides when, this file decides what.
 */
import { bucketsOf, quantile } from './quantile.js'
import { sumBy, total, type MetricSample } from './readings.js'
import { caches, overload, overloadLevels, pools, queues, upstreams, type Gauges, type Window } from './io-view.js'
import type { DashboardEvent, Latency, Point, Snapshot, StatusCount, WorkerOverload, WorkerRow } from './wire.js'

/** What /status says (arbiter/admin.ts status()). */
export interface StatusView {
  pid: number
  state: string
  generation: number
  target: number
  workers: Record<string, unknown>[]
}

export interface Inputs {
  at: number
  status: StatusView
  /** Everything counted since the start. */
  all: MetricSample[]
  /** What grew over the last few seconds: for the snapshot's rates. */
  recent: Window | null
  /** What grew since the previous sample: for the point's rates. */
  step: Window | null
  /** The workers' metrics were read for this sample (its gauges are fresh). */
  full: boolean
  gauges: Gauges
  metrics: boolean
  actions: boolean
  startedAt: number
  restarts: Record<string, number>
  events: DashboardEvent[]
}

const REQUESTS = 'corral_http_requests_total'
const DURATION_BUCKET = 'corral_http_request_duration_seconds_bucket'
const known = new Set(['id', 'pid', 'generation', 'state', 'ageMs', 'served', 'inFlight', 'heartbeatAgeMs', 'rss', 'loopLagMs', 'loopUtilization', 'overload'])
const plain = (v: unknown): v is number | string | boolean => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean'
const num = (o: Record<string, unknown>, k: string) => (typeof o[k] === 'number' ? (o[k] as number) : 0)

/** The overload control's part of a worker's /status (its heartbeat's `overload`), if it has one. */
function overloadOf(v: unknown): WorkerOverload | null {
  if (typeof v !== 'object' || v === null) return null
  const o = v as Record<string, unknown>
  const shed = typeof o.shed === 'object' && o.shed !== null ? Object.values(o.shed).reduce<number>((n, x) => n + (typeof x === 'number' ? x : 0), 0) : num(o, 'shed')
  return { limit: num(o, 'limit'), running: num(o, 'running'), waiting: num(o, 'waiting'), held: num(o, 'held'), shed }
}

function workerRow(w: Record<string, unknown>): WorkerRow {
  const extra: WorkerRow['extra'] = {}
  for (const [k, v] of Object.entries(w)) {
    if (known.has(k)) continue
    if (plain(v)) extra[k] = v
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) for (const [k2, v2] of Object.entries(v)) if (plain(v2)) extra[`${k}.${k2}`] = v2
  }
  return {
    id: num(w, 'id'), pid: num(w, 'pid'), generation: num(w, 'generation'), state: String(w.state ?? ''), ageMs: num(w, 'ageMs'), served: num(w, 'served'),
    inFlight: num(w, 'inFlight'), heartbeatAgeMs: num(w, 'heartbeatAgeMs'), rss: num(w, 'rss'), loopLagMs: num(w, 'loopLagMs'),
    loopUtilization: num(w, 'loopUtilization'), overload: overloadOf(w.overload), extra,
  }
}

function latency(samples: MetricSample[]): Latency | null {
  const buckets = bucketsOf(samples, DURATION_BUCKET)
  const [p50, p95, p99] = [0.5, 0.95, 0.99].map((q) => quantile(q, buckets))
  return p50 === null || p95 === null || p99 === null ? null : { p50: p50 * 1000, p95: p95 * 1000, p99: p99 * 1000 }
}

/** Requests per second: the metric when the workers' metrics were read, else the heartbeats' served counts. */
function requestRate(w: Window | null): number | null {
  if (!w) return null
  return total(w.samples, w.metrics ? REQUESTS : 'served') / w.seconds
}

function byStatus(all: MetricSample[], recent: Window | null): StatusCount[] {
  const totals = sumBy(all, REQUESTS, 'status')
  const rates = recent ? sumBy(recent.samples, REQUESTS, 'status') : new Map<string, number>()
  return [...totals].sort(([a], [b]) => a.localeCompare(b))
    .map(([code, n]) => ({ code, total: n, perSecond: recent ? (rates.get(code) ?? 0) / recent.seconds : 0 }))
}

export function snapshotOf(i: Inputs): Snapshot {
  const workers = i.status.workers.map(workerRow)
  const recent = i.recent?.metrics ? i.recent : null
  return {
    at: i.at, pid: i.status.pid, state: i.status.state, generation: i.status.generation, target: i.status.target,
    startedAt: i.startedAt, metrics: i.metrics, actions: i.actions, workers,
    requests: {
      // The heartbeats' count covers every worker since the start; the metrics only those read while watched.
      total: total(i.all, 'served'),
      perSecond: requestRate(i.recent),
      inFlight: workers.reduce((n, w) => n + w.inFlight, 0),
      latencyMs: recent ? latency(recent.samples) : null,
      byStatus: byStatus(i.all, recent),
    },
    upstreams: upstreams(i.all, recent, i.gauges),
    pools: pools(i.all, recent, i.gauges),
    queues: queues(i.all, recent, i.gauges),
    caches: caches(i.all, recent),
    overload: overload(i.all, recent, i.gauges),
    restarts: { ...i.restarts },
    events: i.events.slice(),
  }
}

const classOf = (samples: MetricSample[], seconds: number): [number, number, number, number] => {
  const out: [number, number, number, number] = [0, 0, 0, 0]
  for (const [code, n] of sumBy(samples, REQUESTS, 'status')) {
    const c = Number(code[0]) - 2
    if (c >= 0 && c <= 3) out[c] += n / seconds
  }
  return out
}

export function pointOf(i: Inputs, snapshot: Snapshot): Point {
  const step = i.step?.metrics ? i.step : null
  const full = step !== null
  const l = step ? latency(step.samples) : null
  const ready = snapshot.workers.filter((w) => w.state === 'ready')
  const pools = snapshot.pools
  const queues = snapshot.queues.filter((q) => q.queued !== null)
  return {
    t: i.at, full,
    rps: requestRate(i.step),
    codes: step ? classOf(step.samples, step.seconds) : null,
    p50: l?.p50 ?? null, p95: l?.p95 ?? null, p99: l?.p99 ?? null,
    inFlight: snapshot.requests.inFlight,
    workers: ready.length,
    rssBytes: snapshot.workers.reduce((n, w) => n + w.rss, 0),
    lagMs: snapshot.workers.reduce((n, w) => Math.max(n, w.loopLagMs), 0),
    utilization: ready.length ? ready.reduce((n, w) => n + w.loopUtilization, 0) / ready.length : 0,
    upstreamRps: step ? total(step.samples, 'corral_upstream_request_duration_seconds_count') / step.seconds : null,
    upstreamErrorsPerSecond: step ? total(step.samples, 'corral_upstream_errors_total') / step.seconds : null,
    dbInUse: i.full && pools.length ? pools.reduce((n, p) => n + p.inUse, 0) : null,
    dbWaiting: i.full && pools.length ? pools.reduce((n, p) => n + p.waiting, 0) : null,
    queued: i.full && queues.length ? queues.reduce((n, q) => n + (q.queued ?? 0), 0) : null,
    restarts: Object.values(i.restarts).reduce((n, x) => n + x, 0),
    overload: i.full ? overloadLevels(i.gauges) : null,
  }
}
