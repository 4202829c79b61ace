/**
 * From what one worker did under the doctor's load to seed 000's question ("I/O-bound or
 * CPU-bound?") and to settings, each with the reason in numbers. Pure arithmetic, so that the
 * reasoning can be read in one place.
 *
 * The two figures that decide: the CPU a request costs (from /proc, under load, so thousands of
 * requests share the worker's idle costs) and its wall time alone (one request at a time, so no
 * queueing is in it, less the time the worker and the doctor waited for a CPU on a busy machine). Their ratio is the share of a request's life spent computing; the rest it
 * waits on something else (an upstream, the database, a timer).
 */
import type { ServerLimits } from '../io/db/sizing.js'
import { AUTO_MAX_PER_WORKER, planPoolSize } from '../io/db/sizing.js'

export interface RouteMeasure {
  path: string
  /** One request at a time; per request, the event loop's CPU and its sleep on I/O. */
  solo: { requests: number; p50Ms: number; p99Ms: number; loopCpuMs: number; ioWaitMs: number }
  /** `concurrency` at once; CPU per request for all the worker's threads, and for its loop's alone. */
  loaded: { concurrency: number; requests: number; errors: number; statuses: Record<string, number>; firstError: string | undefined; rps: number; p50Ms: number; p99Ms: number; cpuMsPerRequest: number; loopCpuMsPerRequest: number; cores: number; loopUtilization: number | undefined }
}

export type Kind = 'cpu-bound' | 'io-bound' | 'light'

export interface RouteVerdict {
  path: string
  kind: Kind
  cpuMs: number
  wallMs: number
  cpuShare: number
  why: string
}

/** A request that holds the loop this long delays every other request of its worker by as much. */
export const BLOCKING_CPU_MS = 2
/** Below this wall time alone, a request neither waits long nor computes much. */
const LIGHT_WALL_MS = 5

const ms = (x: number) => x >= 10 ? `${Math.round(x)} ms` : x >= 1 ? `${x.toFixed(1)} ms` : `${Math.round(x * 1000)} µs`
const pct = (x: number) => `${Math.round(x * 100)}%`

export function classify(m: RouteMeasure): RouteVerdict {
  const cpuMs = m.solo.loopCpuMs
  const wallMs = cpuMs + m.solo.ioWaitMs
  const cpuShare = wallMs > 0 ? cpuMs / wallMs : 0
  const elu = m.loaded.loopUtilization !== undefined ? `; its event loop was busy ${pct(m.loaded.loopUtilization)} of the time under load` : ''
  const base = `alone, a request runs its event loop for ${ms(cpuMs)} and waits ${ms(m.solo.ioWaitMs)} on I/O: ${pct(cpuShare)} of its time computing`
  if (cpuShare >= 0.5 && cpuMs >= BLOCKING_CPU_MS) {
    return { path: m.path, kind: 'cpu-bound', cpuMs, wallMs, cpuShare,
      why: `CPU-bound: ${base}, and the worker used ${m.loaded.cores.toFixed(2)} CPUs at ${m.loaded.concurrency} concurrent requests${elu}. ` +
        `While one request computes, an event loop runs nothing else: every other request waits ${ms(cpuMs)} behind it.` }
  }
  if (cpuMs < BLOCKING_CPU_MS && wallMs < LIGHT_WALL_MS) {
    return { path: m.path, kind: 'light', cpuMs, wallMs, cpuShare,
      why: `light: ${base}. It neither waits on anything slow nor holds the loop long; the server's own cost per request is most of it${elu}.` }
  }
  return { path: m.path, kind: 'io-bound', cpuMs, wallMs, cpuShare,
    why: `I/O-bound: ${base}; the other ${pct(1 - cpuShare)} it waits, and a waiting request costs an event loop nothing${elu}.` }
}

export interface Recommendation {
  setting: string
  value: string
  /** The flag as `corral serve` takes it. */
  flag: string
  why: string
}

export interface Advice {
  routes: RouteVerdict[]
  answer: string
  recommendations: Recommendation[]
}

export interface AdviceInput {
  measures: RouteMeasure[]
  /** CPUs this machine or container gives the server (cgroup-aware). */
  cpus: number
  /** The database's limits, when the app has one. */
  database?: { limits: ServerLimits; hosts: number }
  /** The current request timeout, 0 for none. */
  requestTimeoutMs: number
}

/** Two significant figures, rounded up: a setting a person would type. */
function roundUp(x: number): number {
  if (x <= 10) return Math.ceil(x)
  const scale = 10 ** (Math.floor(Math.log10(x)) - 1)
  return Math.ceil(x / scale) * scale
}

export function advise(input: AdviceInput): Advice {
  const routes = input.measures.map(classify)
  const cpuBound = routes.filter((r) => r.kind === 'cpu-bound')
  const ioBound = routes.filter((r) => r.kind === 'io-bound')
  const recommendations: Recommendation[] = []
  const cpus = Math.max(1, Math.floor(input.cpus))

  let answer: string
  if (cpuBound.length > 0) {
    answer = `CPU-bound: ${cpuBound.map((r) => r.path).join(', ')} ${cpuBound.length === 1 ? 'computes' : 'compute'} for most of ${cpuBound.length === 1 ? 'its' : 'their'} time.`
    const worst = cpuBound.reduce((a, b) => (a.cpuMs > b.cpuMs ? a : b))
    recommendations.push({ setting: 'workerClass', value: 'threads', flag: '--worker-class threads',
      why: `${worst.path} holds the CPU for ${ms(worst.cpuMs)} per request. On the async class that time blocks the worker's loop and every request in it; threads run handlers beside each other (Gunicorn's gthread). ` +
        `Where only one call is heavy (hashing, resizing), keeping async and moving that call into offload() (docs/io/offload.md) does the same for less.` })
    recommendations.push({ setting: 'workers', value: String(cpus), flag: `--workers ${cpus}`,
      why: `one process per CPU (${input.cpus} here): CPU-bound work cannot use more CPUs than there are; more processes only share them.` })
    recommendations.push({ setting: 'threads', value: 'auto', flag: '--threads auto',
      why: `2 threads per process keep one long request from holding up the next; with a process per CPU, more threads add no CPU.` })
  } else {
    answer = ioBound.length > 0
      ? `I/O-bound: ${ioBound.map((r) => r.path).join(', ')} ${ioBound.length === 1 ? 'spends' : 'spend'} most of ${ioBound.length === 1 ? 'its' : 'their'} time waiting, not computing.`
      : `Neither: every route is light (under ${BLOCKING_CPU_MS} ms of CPU and ${LIGHT_WALL_MS} ms of wall time per request).`
    recommendations.push({ setting: 'workerClass', value: 'async', flag: '--worker-class async',
      why: `no route holds the loop for ${BLOCKING_CPU_MS} ms or more, so one event loop interleaves many requests; threads would add their overhead for nothing.` })
    recommendations.push({ setting: 'workers', value: String(cpus), flag: `--workers ${cpus}`,
      why: `one async worker per CPU (${input.cpus} here) keeps every CPU busy; Gunicorn's 2 × CPUs + 1 is for workers that block.` })
  }

  if (cpuBound.length === 0) {
    if (ioBound.length > 0) {
      // Little's law: a worker whose CPU is full serves 1/cpu requests per ms, each in flight for
      // its wall time, so wall/cpu requests are in flight at that point. Half as many again absorbs
      // a burst; more than that only queues requests the CPU cannot start sooner.
      const need = Math.max(...ioBound.map((r) => r.wallMs / Math.max(r.cpuMs, 0.001)))
      const value = Math.max(50, roundUp(need * 1.5))
      const worst = ioBound.reduce((a, b) => (a.wallMs / a.cpuMs > b.wallMs / b.cpuMs ? a : b))
      recommendations.push({ setting: 'workerConnections', value: String(value), flag: `--worker-connections ${value}`,
        why: `${worst.path} waits ${ms(worst.wallMs)} for each ${ms(worst.cpuMs)} of CPU, so a worker fills its CPU with about ${Math.round(need)} requests in flight (Little's law); ` +
          `1.5× that absorbs a burst, and past it requests would only queue for a CPU that is already full.` })
    } else {
      recommendations.push({ setting: 'workerConnections', value: '1000', flag: '--worker-connections 1000',
        why: `requests finish in under ${LIGHT_WALL_MS} ms, so few are ever in flight at once; the default cap (1000) only matters when a dependency slows down.` })
    }
  }

  const slowestP99 = Math.max(...input.measures.map((m) => m.loaded.p99Ms))
  const timeout = Math.max(1000, Math.ceil((slowestP99 * 4) / 1000) * 1000)
  const current = input.requestTimeoutMs === 0 ? 'none is set' : `it is ${input.requestTimeoutMs} ms now`
  recommendations.push({ setting: 'requestTimeout', value: `${timeout / 1000}s`, flag: `--request-timeout ${timeout / 1000}s`,
    why: `the slowest p99 under load was ${ms(slowestP99)}; a request four times past it is stuck, not slow, and its client is better served by a 504 than by waiting (${current}). Raise it for routes the doctor did not drive (uploads, reports, streams).` })
  recommendations.push({ setting: 'gracefulTimeout', value: `${Math.max(30, timeout / 1000 + 5)}s`, flag: `--graceful-timeout ${Math.max(30, timeout / 1000 + 5)}s`,
    why: `longer than the request timeout, so a graceful stop or reload lets every request that may still finish do so.` })

  if (input.database) {
    const workers = Number(recommendations.find((r) => r.setting === 'workers')!.value)
    const { limits, hosts } = input.database
    try {
      // Count the extra worker a surge-first reload adds while it rolls.
      const plan = planPoolSize({ limits, workers: workers + 1, hosts, requested: 'auto' })
      recommendations.push({ setting: 'dbPoolSize', value: String(plan.perWorker), flag: `--db-pool-size ${plan.perWorker}`,
        why: `${limits.embedded ? 'the embedded PostgreSQL accepts' : `the server allows ${plan.allowed} connections (max_connections ${limits.maxConnections} − ${limits.reserved} reserved)`}` +
          `; ${workers + 1} workers (one more while a reload rolls) × ${hosts} host${hosts === 1 ? '' : 's'} × ${plan.perWorker} = ${plan.total}, leaving ${plan.headroom} for psql and migrations` +
          `${plan.perWorker === AUTO_MAX_PER_WORKER ? `; an async worker rarely has more than ${AUTO_MAX_PER_WORKER} queries in flight` : ''}.` })
    } catch (err) {
      recommendations.push({ setting: 'dbPoolSize', value: '—', flag: '', why: (err as Error).message })
    }
  }
  return { routes, answer, recommendations }
}
