/**
 * Loop stalls, attributed to routes. A stall is a stretch of at least --stall-threshold in which
 * the worker's event loop ran nothing corral could see: no request started or finished, and the
 * loop did not answer the watchdog thread, which asks for a sign of life when it has seen none for
 * a step (three quarters of the threshold, stall-clock.ts) while requests are in flight. So any
 * stretch longer than a step means one piece of code held the loop, or the loop slept in the
 * kernel waiting for I/O. libuv counts that sleep (performance.nodeTiming.idleTime, a read of a
 * counter), so a stall is measured from the later of the loop's last sign of life and its last
 * mark plus the loop's sleep since: the block began no earlier. A mark is taken at an answer, and
 * at a sign of life a step or more after the last one; it records the time, the sleep and the
 * scheduler counters. The measure is never shorter than the block, and longer only by the work
 * that ran between the mark and the block, less than one step; when the loop slept until the block
 * (an await that resumes and blocks), it is the block's own length. The sleep alone cannot do it:
 * a loop kept busy by many short turns (setImmediate slices) never sleeps, and only the answers
 * between them show it was never held.
 *
 * The asking is the watchdog's, not a timer of this thread's: each timer tick of a worker that is
 * otherwise waiting for I/O is a wakeup of its own, about 0.2 ms of CPU on the 2-core development
 * VM (an empty Node timer, 40 a second: 7 ms of CPU a second), and the watchdog thread wakes to
 * look anyway. Under load requests start and end every few ms, the watchdog finds the loop's time
 * moving at each look, and this thread is never woken for the detector: until stop 60 its own
 * clock ticked every three quarters of the threshold under load (every half threshold without
 * signs), about 27 wakeups a second a worker on top of the watchdog's 13 (bench/results/2026-12-07-stop60/).
 * Without signs (one long request in flight, an idle loop) the watchdog asks every step, as the
 * clock ticked.
 *
 * Who held it: the synchronous part of a handler is timed exactly (the request that ran is the
 * culprit: role "running"). A stall elsewhere (a handler's code after an await, a timer, a long GC)
 * cannot be pinned on one request without async context tracking, which costs every request on
 * Node 20; it is counted against each route in flight at the time (role "in_flight"), and the
 * stack names the code.
 *
 * The stack comes from the watchdog thread (stall-probe.ts): when its ask goes unanswered for the
 * threshold while requests are in flight, it asks the main thread, through the inspector, to run `probe()` below;
 * V8 runs it at the blocked code's next interrupt check, on top of the blocked code's own stack.
 * It is cheap (a few ms) and taken only when a stall lasts; code blocked inside one native call
 * (a sync hash, a sync read) is caught as the call returns, still in the culprit's frame.
 *
 * A loop also stops when the OS does not run it: other processes hold the CPUs, or the container
 * used up its CPU quota (a throttled pod pauses for the rest of each 100 ms period). On Linux the
 * main thread's scheduler counters (/proc/thread-self/schedstat) split a stall into time on a CPU,
 * time runnable but waiting for one, and the rest: asleep off the CPU. Waiting is the machine's.
 * Sleep is the code's (a sync read, an execSync, Atomics.wait) except while the cgroup's CPU quota
 * was spent (cpu-throttle.ts): then the main thread sleeps on sibling threads that are throttled
 * too (a GC helper it joins), so sleep up to the time the quota held the cgroup is the machine's as
 * well. A sync system call that overlaps a throttled stretch is excused for the overlap, as the
 * counters cannot tell the two apart there; outside throttled stretches a sleeping handler is
 * blamed as before (the quota is the likelier cause in a container out of CPU, and a stall of a
 * route's own is still caught the rest of the time). A stall that is under the threshold without
 * the machine's part is no route's (role "starved", even when one handler ran throughout), and
 * every stall's log line says how much of it was waiting.
 */
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import type { Schedstat } from './schedstat.js'
import { openCpuThrottle, type CpuThrottle, type ThrottleReading } from './cpu-throttle.js'
import type { Logger } from 'pino'
import type { WorkerMessage } from '../ipc/messages.js'
import { PREFIX, register, type MetricType } from '../metrics/families.js'
import type { Exchange } from './exchange.js'
import type { InFlight } from './in-flight.js'
import { routeOf } from './metrics.js'
import { STALL_BUSY, STALL_PROBE, STALL_SEEN_AT, STALL_SLOTS, stallStep } from './stall-clock.js'

export type StallRole = 'running' | 'in_flight' | 'none' | 'starved'

/** The last stall of the worker's code, as /status shows it. */
interface StallView { at: number; ms: number; role: 'running' | 'in_flight' | 'none'; routes: string[] }

/** The arbiter hears of stalls at most this often (a worker that stalls often would flood it). */
const REPORT_EVERY_MS = 250

/**
 * Where a stall's time went, from the main thread's schedstat and the cgroup's cpu.stat: on a CPU,
 * runnable but waiting for one, asleep off the CPU; the most the cgroup was held by its CPU quota
 * over the same stretch; and the part that was the machine's, not the code's (see the top of the file).
 */
interface Counters { wait: number; run: number; throttled: ThrottleReading }

interface StallSplit { ranMs: number; waitedMs: number; sleptMs: number; throttledMs: number; machineMs: number }

/** A route named in a stall, with its method and URL for the log line. */
interface Blamed { route: string; method: string; url: string; ageMs: number }

const BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const
/** One warning per route per this long; the ones between are counted in the next. */
const LOG_EVERY_MS = 10_000
/**
 * The watchdog keeps watching (and asking) this long after the last request, so a burst does not
 * start and stop it each time; shorter would wake the watchdog thread for nearly every request of a
 * worker at a few requests a second, longer would keep it asking for nothing.
 */
const IDLE_STOP_MS = 250

export interface StallOptions {
  thresholdMs: number
  /** The requests in flight (Requests#active), read only when a stall is found. */
  inFlight: () => InFlight<Exchange>
  log: Logger
  report: (m: WorkerMessage) => void
  metrics: boolean
  /** The main thread's scheduler counters (schedstat.ts; none where the OS has none): a stall's time is split by them. */
  schedstat: Schedstat | undefined
}

export class Stalls {
  readonly thresholdMs: number
  /** How long the loop may show no sign of life before the watchdog asks for one, and how often it is marked (stall-clock.ts). */
  readonly stepMs: number
  /** The watchdog thread's end of the channel it asks for a sign of life on (stall-probe.ts). */
  readonly asks: MessagePort
  /** This thread's end of it. */
  readonly #inbox: MessagePort
  readonly #o: StallOptions
  /** Shared with the watchdog thread (stall-clock.ts): the loop's last sign of life and whether requests are in flight. */
  readonly #shared = new Int32Array(new SharedArrayBuffer(STALL_SLOTS * Int32Array.BYTES_PER_ELEMENT))
  /** Requests are in flight, or were within IDLE_STOP_MS: the watchdog watches. */
  #watched = false
  /** When corral last saw the loop run: a request starting or ending, or an answer. */
  #last = performance.now()
  /** When the loop was last marked (see the top of the file). */
  #markAt = 0
  /** libuv's count of the loop's sleep, in ms, at that mark. */
  #idleAtMark = 0
  #events = 0
  #eventsAtAnswer = 0
  #quietSince = 0
  #capture: { clock: number; stack: string } | undefined
  readonly #sched: Schedstat | undefined
  readonly #throttle: CpuThrottle | undefined = openCpuThrottle()
  /** The counters at the last tick (the main thread's CPU wait and run in ns, the cgroup's throttling): a stall's are counted from them. */
  #base: Counters = { wait: NaN, run: NaN, throttled: [] }
  readonly #series = new Map<string, { route: string; role: StallRole; count: number; seconds: number }>()
  readonly #buckets = new Float64Array(BUCKETS.length + 1)
  #sum = 0
  #count = 0
  readonly #logged = new Map<string, { at: number; skipped: number }>()
  #stalls = 0
  #starved = 0
  #lastOfCode: StallView | undefined
  #reportedAt = -Infinity
  #reportTimer: NodeJS.Timeout | undefined

  constructor(o: StallOptions) {
    this.#o = o
    this.#sched = o.schedstat
    this.thresholdMs = o.thresholdMs
    this.stepMs = stallStep(o.thresholdMs)
    const { port1, port2 } = new MessageChannel()
    port1.on('message', this.#answer)
    // The asks must not keep a worker that is done serving alive.
    port1.unref()
    this.#inbox = port1
    this.asks = port2
    const probe = (clock: number) => {
      // Runs inside the blocked code (an inspector interrupt): the frames under this one are its.
      const limit = Error.stackTraceLimit
      Error.stackTraceLimit = 40
      const here: { stack?: string } = {}
      Error.captureStackTrace(here, probe)
      Error.stackTraceLimit = limit
      this.#capture = { clock, stack: cleanStack(here.stack ?? '') }
    }
    ;(globalThis as Record<symbol, unknown>)[STALL_PROBE] = probe
    if (o.metrics) this.#registerMetrics()
  }

  /** What the watchdog thread needs to watch the loop (watchdog.ts, stall-probe.ts). */
  get watch(): { shared: Int32Array; thresholdMs: number; asks: MessagePort } {
    return { shared: this.#shared, thresholdMs: this.thresholdMs, asks: this.asks }
  }

  /**
   * A request's synchronous part is about to run; `now` is the time (the request's arrival when it
   * runs at once: one clock read fewer per request). Returns the time to hand back to ran().
   */
  entering(now: number): number {
    if (!this.#watched) {
      // Unwatched, the loop was idle, not held: the gap since the last request is no stall.
      // Watching starts from now, not from the request's arrival: the counters a stall is split by
      // are read now, and a stall measured from the arrival would hold whatever kept the thread
      // between the two (a CPU quota that ran out there) with nothing to split it by, so it read as
      // the handler's (seen: 491 of a 506 ms stall, throttled before the handler ran).
      now = performance.now()
      this.#start(now)
    } else this.#check(now, undefined)
    this.#last = now
    return now
  }

  /** The request's synchronous part returned; the time it did, read once for the caller too. */
  ran(ex: Exchange, startedAt: number): number {
    const now = performance.now()
    if (now - startedAt >= this.thresholdMs) this.#stalled(startedAt, now, ex)
    this.#seen(now)
    return now
  }

  /** The request ended (answered or cut). */
  ended(ex: Exchange, now: number): void {
    // A request that ends a stall was in flight through it (it has just left the in-flight list).
    if (this.#watched) this.#check(now, ex)
    this.#seen(now)
  }

  #seen(now: number): void {
    this.#last = now
    this.#events++
    // The watchdog thread reads this: a time that moves is a loop that runs. This thread is its
    // only writer, so a plain store will do (an Atomics.store costs more).
    this.#shared[STALL_SEEN_AT] = now
    // Under load the watchdog never asks: the marks come from the requests.
    if (now - this.#markAt >= this.stepMs && this.#watched) this.#mark()
  }

  /** The loop has run again at `now`: a stall if it was held since it was last free (see the top of the file). */
  #check(now: number, ending: Exchange | undefined): boolean {
    // Under load a request started or ended moments ago: no stall, and no counter read.
    if (now - Math.max(this.#last, this.#markAt) < this.thresholdMs) return false
    const slept = Math.min(this.stepMs, performance.nodeTiming.idleTime - this.#idleAtMark)
    const from = Math.max(this.#last, this.#markAt + slept)
    if (now - from < this.thresholdMs) return false
    this.#stalled(from, now, undefined, ending)
    return true
  }

  #start(now: number): void {
    this.#watched = true
    this.#last = now
    this.#quietSince = 0
    this.#eventsAtAnswer = this.#events
    this.#mark()
    this.#shared[STALL_SEEN_AT] = now
    Atomics.store(this.#shared, STALL_BUSY, 1)
    Atomics.notify(this.#shared, STALL_BUSY)
  }

  /**
   * What a stall is measured and split from: the time, the loop's sleep and the counters, read
   * together. Not the time of the sign that led here: after a stall's warning was logged, a thread
   * under a CPU quota can be a second later, and counters read then split the next stall
   * from the wrong moment (seen: a starved stall of 1.5 s read as 1 s of the code's sleep).
   */
  #mark(): void {
    this.#markAt = performance.now()
    this.#idleAtMark = performance.nodeTiming.idleTime
    if (this.#sched) this.#base = this.#counters()
  }

  /** The watchdog asked for a sign of life (stall-probe.ts): the loop has run none for a step, or was held. */
  readonly #answer = (): void => {
    if (!this.#watched) return
    const now = performance.now()
    // A stall is measured and split from the mark before it, so the mark is taken after the check.
    this.#check(now, undefined)
    const signs = this.#events !== this.#eventsAtAnswer
    this.#mark()
    this.#seen(now)
    this.#eventsAtAnswer = this.#events
    if (signs || this.#o.inFlight().size > 0) this.#quietSince = 0
    else if (this.#quietSince === 0) this.#quietSince = now
    else if (now - this.#quietSince >= IDLE_STOP_MS) this.#unwatch()
  }

  #unwatch(): void {
    if (!this.#watched) return
    this.#watched = false
    Atomics.store(this.#shared, STALL_BUSY, 0)
  }

  stop(): void {
    if (this.#reportTimer) { clearTimeout(this.#reportTimer); this.#reportTimer = undefined }
    this.#unwatch()
    this.#inbox.close()
  }

  /** The main thread's CPU wait and run, and the cgroup's throttling, now (NaN where unknown). */
  #counters(): Counters {
    const t = this.#sched?.times()
    return { wait: t?.waitingNs ?? NaN, run: t?.runningNs ?? NaN, throttled: this.#throttle?.read() ?? [] }
  }

  /**
   * How much of a stall of `ms` was the machine's, from the counters' change since the last tick
   * (at most one interval before the stall began): the main thread's wait for a CPU, and its sleep
   * off the CPU up to the time the cgroup was held by its quota. A failed read (NaN) leaves that part unknown,
   * and the stall counts as the code's.
   */
  #split(ms: number): StallSplit | undefined {
    if (!this.#sched) return undefined
    const base = this.#base
    const now = this.#counters()
    this.#base = now
    const waited = Math.min(ms, Math.max(0, (now.wait - base.wait) / 1e6 || 0))
    const ran = Math.min(ms - waited, Math.max(0, (now.run - base.run) / 1e6 || 0))
    const slept = ms - waited - ran
    const throttled = this.#throttle && base.throttled.length ? this.#throttle.heldMs(base.throttled, now.throttled) : 0
    return { ranMs: Math.round(ran), waitedMs: Math.round(waited), sleptMs: Math.round(slept), throttledMs: Math.round(throttled), machineMs: waited + Math.min(slept, throttled) }
  }

  #stalled(from: number, to: number, running: Exchange | undefined, ending?: Exchange): void {
    const ms = to - from
    const split = this.#split(ms)
    const waitedMs = split?.machineMs ?? 0
    const clock = this.#shared[STALL_SEEN_AT]
    const stack = this.#capture?.clock === clock ? this.#capture.stack : undefined
    this.#capture = undefined
    let blamed: Blamed[]
    let role: StallRole
    if (ms - waitedMs < this.thresholdMs) {
      // Without the wait for a CPU it would have been no stall: even a handler that ran throughout
      // is not to blame (a throttled container stops whatever runs when its quota runs out).
      blamed = []
      role = 'starved'
    } else if (running) {
      blamed = [describe(running, to)]
      role = 'running'
    } else {
      blamed = []
      for (const ex of this.#o.inFlight()) if (ex.startMs < from) blamed.push(describe(ex, to))
      if (ending && ending.startMs < from) blamed.push(describe(ending, to))
      role = blamed.length ? 'in_flight' : 'none'
    }
    this.#count++
    this.#sum += ms / 1000
    let i = 0
    while (i < BUCKETS.length && ms / 1000 > BUCKETS[i]) i++
    this.#buckets[i]++
    const routes = blamed.length === 0 ? ['(none)'] : [...new Set(blamed.map((b) => b.route))]
    for (const route of routes) {
      const key = `${role} ${route}`
      const s = this.#series.get(key)
      if (s) { s.count++; s.seconds += ms / 1000 } else if (this.#series.size < 400) this.#series.set(key, { route, role, count: 1, seconds: ms / 1000 })
    }
    const at = Date.now()
    if (role === 'starved') this.#starved++
    else {
      this.#stalls++
      this.#lastOfCode = { at, ms: Math.round(ms), role, routes: routes.slice(0, 5) }
    }
    this.#report()
    this.#warn(Math.round(ms), Math.round(waitedMs), role, blamed, routes, stack, at, split)
  }

  #report(): void {
    if (this.#reportTimer) return
    const send = () => {
      this.#reportTimer = undefined
      this.#reportedAt = performance.now()
      this.#o.report({ type: 'stall', stalls: this.#stalls, starved: this.#starved, last: this.#lastOfCode })
    }
    const wait = this.#reportedAt + REPORT_EVERY_MS - performance.now()
    if (wait <= 0) send()
    else (this.#reportTimer = setTimeout(send, wait)).unref()
  }

  #warn(ms: number, waitedMs: number, role: StallRole, blamed: Blamed[], routes: string[], stack: string | undefined, at: number, split: StallSplit | undefined): void {
    // A route that stalls often logs once per LOG_EVERY_MS, with the count of those not logged.
    const key = `${role} ${routes.join(' ')}`
    const last = this.#logged.get(key)
    if (last && at - last.at < LOG_EVERY_MS) { last.skipped++; return }
    if (this.#logged.size > 400) this.#logged.clear()
    this.#logged.set(key, { at, skipped: 0 })
    const who = role === 'running'
      ? `while ${blamed[0]!.method} ${blamed[0]!.url} (route ${blamed[0]!.route}) ran its handler`
      : role === 'in_flight'
        ? `with ${blamed.length} request${blamed.length > 1 ? 's' : ''} in flight: ${blamed.slice(0, 5).map((b) => `${b.method} ${b.url} (route ${b.route}, ${b.ageMs}ms old)`).join('; ')}${blamed.length > 5 ? '; …' : ''}`
        : role === 'starved'
          ? 'but not by this worker\'s code: it was waiting for a CPU (other processes, or the container\'s CPU quota)'
          : 'with no request in flight'
    const waited = waitedMs > 0 && role !== 'starved' ? ` (${waitedMs}ms of it waiting for a CPU)` : ''
    const more = last?.skipped ? ` (${last.skipped} more stalls like it in the last ${Math.round((at - last.at) / 1000)}s were not logged)` : ''
    const parts = split && { ranMs: split.ranMs, sleptMs: split.sleptMs, throttledMs: split.throttledMs }
    this.#o.log.warn({ stall: { ms, waitedMs, role, routes, ...parts } },
      `EVENT LOOP STALL: the event loop was blocked for ${ms}ms${waited} ${who}${more}.` +
      (role === 'starved' ? '' : stack ? `\nBlocked at:\n${stack}` : ' No stack was taken (the stall was too short to catch in the act, the worker was mostly waiting for a CPU, or the watchdog is off).'))
  }

  #registerMetrics(): void {
    const metric = (name: string, help: string, type: MetricType, values: () => unknown[]) =>
      register({ name, help, type, aggregator: 'sum', get: async () => ({ name, help, type, aggregator: 'sum', values: values() as never }) })
    const stalls = `${PREFIX}event_loop_stalls_total`
    const seconds = `${PREFIX}event_loop_stall_seconds_total`
    const duration = `${PREFIX}event_loop_stall_duration_seconds`
    metric(stalls, 'Event-loop stalls longer than --stall-threshold, by route and role: running (the route\'s handler ran the stall), in_flight (it was in flight during a stall corral could not pin on one request), none (no request in flight), starved (route "(none)": the worker waited for a CPU, not for its code).', 'counter',
      () => [...this.#series.values()].map((s) => ({ value: s.count, labels: { route: s.route, role: s.role } })))
    metric(seconds, 'Seconds the event loop spent stalled, by route and role (as corral_event_loop_stalls_total).', 'counter',
      () => [...this.#series.values()].map((s) => ({ value: s.seconds, labels: { route: s.route, role: s.role } })))
    metric(duration, 'How long each event-loop stall lasted.', 'histogram', () => {
      const values: unknown[] = []
      let cumulative = 0
      BUCKETS.forEach((le, i) => {
        cumulative += this.#buckets[i]
        values.push({ value: cumulative, metricName: `${duration}_bucket`, labels: { le } })
      })
      values.push({ value: this.#count, metricName: `${duration}_bucket`, labels: { le: '+Inf' } })
      values.push({ value: this.#sum, metricName: `${duration}_sum`, labels: {} })
      values.push({ value: this.#count, metricName: `${duration}_count`, labels: {} })
      return values
    })
  }
}

function describe(ex: Exchange, now: number): Blamed {
  return { route: ex.route ?? routeOf(ex.req.url ?? '/'), method: ex.req.method ?? '', url: ex.req.url ?? '', ageMs: Math.round(now - ex.startMs) }
}

// corral's own frames (dist/, or src/ where source maps point), where the stack runs on from the
// app's code down into the server.
const corralDirs = ['../', '../../src/'].map((rel) => new URL(rel, import.meta.url)).flatMap((u) => [u.href, fileURLToPath(u)])

/**
 * The probe's own frame (the inspector's evaluation) says nothing, nor do corral's and Node's
 * frames under the app's: the stack is the blocked code's. If corral's code is all there is, it stays.
 */
function cleanStack(stack: string): string {
  const lines = stack.split('\n').slice(1).filter((line) => !/^\s+at <anonymous>:\d+:\d+$/.test(line))
  const own = (line: string) => corralDirs.some((dir) => line.includes(dir)) || /\(node:|at node:/.test(line)
  const app = lines.filter((line) => !own(line))
  return (app.length ? app : lines).join('\n')
}

