/**
 * How many requests a worker runs at once (overload/), and how many calls an upstream of corral/io
 * is sent at once (io/upstream-limit.ts). Two kinds:
 *
 * StaticLimit — a fixed number (--no-overload-control, the sync worker class): Gunicorn's
 * worker_connections.
 *
 * GradientLimit — follows measured latency against a measured no-load baseline, in the spirit of
 * Envoy's adaptive concurrency filter and Netflix's Gradient2 (docs/overload.md says why this
 * shape and not Vegas or AIMD), but only while this worker's event loop is saturated. Latency alone
 * cannot tell "the upstream is slow" from "this worker's CPU is full": requests that wait on I/O
 * leave the loop idle, and cutting their concurrency only sheds healthy load. So every step (once
 * per WINDOW_MS, from a completion or, while the worker is at its limit, from the admission's timer)
 * reads the loop's utilisation since the last step (perf_hooks eventLoopUtilization: two readings
 * a step, nothing per request) and calls the worker saturated when it is at least
 * --overload-loop-utilization, or when its requests mostly wait in its own queues downstream (a
 * pooled database connection, an upstream's slot: concurrency/pressure.ts, read the same way, past
 * --overload-downstream-queued), since then more at once would only queue longer there. Then, per
 * window (at least MIN_SAMPLES completions):
 *
 *   sample   = median service time of the window (admission to the end of the answer)
 *   baseline = the lowest window median of the last 30 s (measured afresh after a quiet spell):
 *              the service time when requests did not wait for each other. A sustained change (a
 *              slower database) becomes the new baseline within 30 s; a burst never does
 *   gradient = clamp(tolerance × baseline / sample, 0.5, 1)
 *   limit    = min(limit, ran) × (1 + gradient) / 2
 *                                                 when latency rose and the loop is saturated
 *                                                 (gradient < 1; smoothed as Gradient2 does, so one
 *                                                 noisy window on a busy host costs a quarter at
 *                                                 most; `ran`, the most requests that ran at once
 *                                                 in the step, when a limit above it bound nothing)
 *            = limit + max(√limit, limit / 4)     when it did not and the window used at least half
 *                                                 the limit (demand is there: probe for more), unless
 *                                                 the last window that could tell had more than 2%
 *                                                 of its gathers degraded (budgets, below)
 *            = limit                              otherwise (nothing learnt about more concurrency)
 *
 * The limit grows only with demand (as Netflix's limits do): an idle worker keeps the limit its last
 * load needed, so a burst that comes all at once, faster than any window, meets that limit and not
 * --worker-connections. When the burst is over and load returns, each 100 ms window at baseline
 * latency raises it by a quarter: from the minimum 4 back to 100 in about 1.5 s.
 *
 * A step with too few completions while requests run takes the median age of the running requests
 * instead when the loop is saturated (a burst admitted all at once, each waiting for CPU behind the
 * others: waiting for them to finish is exactly the collapse this is here to prevent); when the loop
 * is not saturated the running requests are waiting on I/O, and if they fill the limit it grows.
 *
 * An idle loop also lets the limit stretch between steps: a request that finds the limit full while
 * the last step saw the loop unsaturated runs anyway, up to twice the limit of that step or the
 * sustainable concurrency below, whichever is more (so 40 requests that arrive at once and wait 3 s
 * each on I/O all run, while a CPU burst that arrives at an idle worker meets at most twice its
 * limit before the next step sees the loop full). Until its first window closes a worker has no
 * baseline and its limit is only the starting guess: then a saturated step (a fresh worker's loop is
 * full compiling its code) still lets it stretch to twice the starting limit, no further.
 *
 * A full loop lets it stretch too, but only as far as the worker can serve within the tolerance:
 *
 *   capacity    = completions ÷ the loop's busy time, learnt over steps until there are enough
 *                 completions (smoothed): how many requests a second a full loop gets through
 *   sustainable = tolerance × baseline × capacity (Little's law: what can be in service at once
 *                 when each takes the tolerated latency and the loop is full)
 *
 * and only while the last window's latency was within the tolerance, and never for downstream
 * pressure (more would only queue there). Why: when load steps up (the bench's levels, a client
 * fleet reconnecting) the loop is full with setting up the new connections before any of their
 * requests completes, so no window can say whether more would be too many; the limit learnt at the
 * lower load refused the rest, and each refused connection's next request waited out its pause
 * (pace.ts). With the loop not yet full the same step met twice the old limit and a queue of 64:
 * fan-out at 2 CPUs, 20 → 400 connections: 168 shed, p99 614 ms against 495 ms with the control
 * off, which shed nothing and kept its goodput. A CPU-bound app's sustainable concurrency is a
 * handful (its baseline is its CPU time), so a CPU burst still meets the limit.
 *
 * Written by hand: the npm packages for this (e.g. Netflix's ports) run a timer per limiter, want
 * a promise per request and measure from their own acquire() call, where corral already has the
 * clock readings; the algorithm is thirty lines.
 */
export interface ConcurrencyLimit {
  /** Requests that may run at once now. */
  readonly current: number
  /**
   * A request ended after `serviceMs` in service (NaN: not a sample, e.g. its client left); `running`
   * were running just before and `waiting` wait.
   */
  sample(serviceMs: number, now: number, running: number, waiting: number, medianAge: () => number): void
  /** The admission's timer, every WINDOW_MS while the worker is at its limit: a step no completion took. */
  tick(now: number, running: number, waiting: number, medianAge: () => number): void
  /** A request found the limit full (the slow path): raise the limit for it, when the loop has room. */
  stretch(running: number): boolean
  /** The no-load baseline and last window's sample, in ms (NaN before any). */
  readonly baselineMs: number
  readonly sampleMs: number
  /**
   * How long a connection refused at this limit rests before it is read again (overload/pace.ts), in
   * ms: about what an admitted request takes, the last window's sample. NaN: it does not rest (a
   * static limit).
   */
  readonly restMs: number
  /** The event loop's utilisation over the last step, 0..1 (NaN before any, and for a static limit). */
  readonly utilization: number
  /**
   * Downstream pressure over the last step (concurrency/pressure.ts): the share of the time spent
   * downstream that was spent queued in this process's own queues, 0..1 (NaN before any, without a
   * pressure meter, and for a static limit).
   */
  readonly pressure: number
  /** Of the budgeted gathers that ended in the last window the limit was moved on, the share with a call past its budget (NaN without budgets, and for a static limit). */
  readonly budgetsMissed: number
  /**
   * Completions per second the worker gets through at a full loop, learnt (NaN before any, and for a
   * static limit); with the baseline and the tolerance it bounds how far a full loop lets the limit stretch.
   */
  readonly capacity: number
  /** The last step found the loop saturated (a static limit always is: it never grows). */
  readonly saturated: boolean
  /**
   * The last step found the event loop itself full (not only downstream pressure). Its timers run
   * late then, so a deadline in the admission's queue would be met late (false for a static limit).
   */
  readonly loopFull: boolean
  /** It moves (and wants the admission's timer while at the limit). */
  readonly adaptive: boolean
}

export class StaticLimit implements ConcurrencyLimit {
  readonly current: number
  readonly baselineMs = NaN
  readonly sampleMs = NaN
  readonly restMs = NaN
  readonly utilization = NaN
  readonly pressure = NaN
  readonly budgetsMissed = NaN
  readonly capacity = NaN
  readonly saturated = true
  readonly loopFull = false
  readonly adaptive = false
  constructor(limit: number) { this.current = limit }
  sample(): void {}
  tick(): void {}
  stretch(): boolean { return false }
}

export interface GradientOptions {
  min: number
  max: number
  tolerance: number
  /** --overload-loop-utilization: the loop's utilisation at which the worker counts as saturated. */
  saturated: number
  /** The loop's utilisation since the last call (perf_hooks by default). */
  loop?: LoopMeter
  /**
   * Downstream pressure since the last call (concurrency/pressure.ts's pressureMeter), and the
   * reading past which the worker counts as saturated however idle its loop (--overload-downstream-queued):
   * its requests mostly wait in queues of its own (a database pool, an upstream's limit), which
   * more of them at once would only lengthen. Without a meter, or at 1, the loop alone decides.
   */
  pressure?: LoopMeter
  downstream?: number
  /**
   * Budgets met and missed (concurrency/pressure.ts): while the worker is saturated, a share of
   * budgeted gathers with a call past its budget (degraded answers) brings the limit down as a rise in latency does.
   */
  budgets?: { read(): number; restart(now: number): void }
  /** Where an unmeasured limit starts. Default 20 (Netflix's concurrency-limits starts there too). */
  initial?: number
}

/** Reads the event loop's utilisation between two calls. */
export interface LoopMeter { (): number }

/** perf_hooks' eventLoopUtilization as a meter: the share of the time since the last call that the loop was busy. */
export function eventLoopMeter(): LoopMeter {
  let last = performance.eventLoopUtilization()
  return () => {
    const next = performance.eventLoopUtilization()
    const { utilization } = performance.eventLoopUtilization(next, last)
    last = next
    return utilization
  }
}

/** A thread's scheduler counters (worker/schedstat.ts): nanoseconds on a CPU and runnable but waiting for one. */
export type CpuTimes = () => { runningNs: number; waitingNs: number }

/**
 * How full the worker's main thread is: the larger of the loop's utilisation and the share of the
 * time the thread was on a CPU or waiting for one, that is, not asleep. The utilisation alone is
 * blind to a host without a CPU to spare: libuv counts the time from an I/O event to the thread
 * getting a CPU as idle, since the thread is still inside epoll_wait. At 10,000 connections on the
 * 2-CPU VM (wrk and the upstream simulator beside the workers) the loop read 0.85 while the thread
 * waited for a CPU about as long as it ran, so the worker counted as unsaturated, its limit grew to
 * 830-1,650 and the median request took 1.5-4.5x the baseline (docs/overload.md, "A thread that
 * waits for a CPU"). A thread that is hardly ever asleep has work ready all the time; a worker idle
 * on a busy host still sleeps between its wakeups and reads low, so slow I/O is still not overload.
 */
export function occupancyMeter(times: CpuTimes, loop: LoopMeter = eventLoopMeter()): LoopMeter {
  let last = times()
  let at = performance.now()
  return () => {
    const utilization = loop()
    const now = performance.now()
    const t = times()
    const awake = (t.runningNs - last.runningNs + (t.waitingNs - last.waitingNs)) / ((now - at) * 1e6)
    last = t
    at = now
    // NaN (a failed read, or no time passed) leaves the utilisation alone.
    return awake > utilization ? Math.min(1, awake) : utilization
  }
}

export const WINDOW_MS = 100
const MIN_SAMPLES = 10
/**
 * The share of budgeted gathers that may have a call past its budget in a window the limit still
 * stretches and probes upwards after: a rare late call (a collection, one slow answer) is no sign
 * that more at once is too many.
 */
const MISSED_TOLERATED = 0.02
const MAX_SAMPLES = 512
const INITIAL = 20
/** A window with fewer completions than MIN_SAMPLES closes anyway after this many windows. */
const LONG_WINDOWS = 10
/** The baseline is the lowest median of this many seconds, kept as one minimum per second. */
const HORIZON_S = 30

export class GradientLimit implements ConcurrencyLimit {
  #limit: number
  /** Where it started: an unmeasured limit stretches to twice this, however busy the loop (#endStep). */
  readonly #initial: number
  #baseline = NaN
  #sample = NaN
  readonly #o: GradientOptions
  readonly #samples = new Float64Array(MAX_SAMPLES)
  #count = 0
  #windowStart = -1
  #peak = 0
  /** Per second of the horizon: its lowest window median, and which second that was. */
  readonly #minima = new Float64Array(HORIZON_S)
  readonly #seconds = new Float64Array(HORIZON_S).fill(-Infinity)
  readonly #loop: LoopMeter
  #stepAt = -Infinity
  /** When the limit last moved: only requests admitted since are samples of it. */
  #movedAt = -Infinity
  #utilization = NaN
  #pressure = NaN
  #missed = NaN
  #loopFull = false
  readonly #pressureMeter: LoopMeter | undefined
  /** The last step found the loop saturated. An unmeasured worker is not. */
  #saturated = false
  /**
   * How far stretch() may take the limit before the next step: with the loop unsaturated, twice the
   * limit of the last one or the sustainable concurrency, whichever is more; saturated, the
   * sustainable concurrency while only the loop is full, else 0.
   */
  #stretchCap: number
  /** Completions per second at a full loop, learnt (0 before any step could tell). */
  #capacity = 0
  /** Completions, and the loop's busy time in ms, since the capacity was last learnt. */
  #ended = 0
  #busyMs = 0

  constructor(o: GradientOptions) {
    this.#o = o
    this.#limit = this.#initial = Math.max(o.min, Math.min(o.max, o.initial ?? INITIAL))
    this.#stretchCap = Math.min(o.max, this.#limit * 2)
    this.#loop = o.loop ?? eventLoopMeter()
    this.#pressureMeter = o.pressure !== undefined && (o.downstream ?? 1) < 1 ? o.pressure : undefined
  }

  get current(): number { return Math.floor(this.#limit) }
  get baselineMs(): number { return this.#baseline }
  get sampleMs(): number { return this.#sample }
  /**
   * Before any window has closed there is no sample: one step's length, by when the limit has
   * judged again. Without it a fresh worker's refused clients asked again at once, and their
   * retries took the CPU its first requests needed (docs/overload.md, "A fresh worker's refusals").
   */
  get restMs(): number { return this.#sample === this.#sample ? this.#sample : WINDOW_MS }
  get utilization(): number { return this.#utilization }
  get pressure(): number { return this.#pressure }
  get budgetsMissed(): number { return this.#missed }
  get saturated(): boolean { return this.#saturated }
  get loopFull(): boolean { return this.#loopFull }
  get adaptive(): boolean { return true }

  sample(serviceMs: number, now: number, running: number, waiting: number, medianAge: () => number): void {
    if (this.#windowStart < 0) this.#windowStart = now
    if (running > this.#peak) this.#peak = running
    this.#ended++
    // A request admitted before the limit last moved says nothing about the new limit: with service
    // times longer than a window (the shop's pages take 200 ms) the next windows would judge a cut by
    // requests that ran before it, cut again, and swing the limit between a tenth and ten times
    // what the worker can serve (measured: 18 to 322 within seconds at 1,000 connections).
    if (serviceMs === serviceMs && now - serviceMs >= this.#movedAt && this.#count < MAX_SAMPLES) this.#samples[this.#count++] = serviceMs
    if (now - this.#stepAt >= WINDOW_MS) this.#step(now, running, waiting, medianAge)
  }

  tick(now: number, running: number, waiting: number, medianAge: () => number): void {
    if (this.#windowStart < 0) this.#windowStart = now
    if (running > this.#peak) this.#peak = running
    if (now - this.#stepAt >= WINDOW_MS) this.#step(now, running, waiting, medianAge)
  }

  get capacity(): number { return this.#capacity > 0 ? this.#capacity : NaN }

  /** The last window that could tell had at most MISSED_TOLERATED of its gathers degraded (true without budgets). */
  get #onTime(): boolean { return !(this.#missed > MISSED_TOLERATED) }

  stretch(running: number): boolean {
    if (running >= this.#stretchCap) return false
    this.#limit = running + 1
    return true
  }

  #step(now: number, running: number, waiting: number, medianAge: () => number): void {
    const o = this.#o
    const gap = now - this.#stepAt
    this.#stepAt = now
    const utilization = this.#loop()
    const pressure = this.#pressureMeter ? this.#pressureMeter() : NaN
    // After a quiet spell (no completion and no timer for a second) the reading covers mostly idle
    // time: it starts a fresh measurement instead of calling a loop that may be full now unsaturated.
    if (gap > WINDOW_MS * LONG_WINDOWS) {
      this.#peak = running
      this.#ended = 0
      this.#busyMs = 0
      this.#endStep()
      return
    }
    this.#utilization = utilization
    this.#pressure = pressure
    this.#learnCapacity(gap, utilization)
    // Saturated: the loop is full, or the requests mostly wait in our own queues downstream (more
    // at once would only queue longer there). A slow upstream with free slots is neither.
    this.#loopFull = utilization >= o.saturated
    this.#saturated = this.#loopFull || pressure > o.downstream!
    const limit = this.#limit
    const ran = this.#peak
    const demand = waiting > 0 || ran * 2 >= limit
    this.#peak = running
    if (this.#count >= MIN_SAMPLES) this.#update(median(this.#samples, this.#count), now, demand, running + waiting, ran)
    else if (this.#saturated && running > limit / 2 && now - this.#movedAt > this.#baseline * o.tolerance && medianAge() > this.#baseline * o.tolerance) this.#update(Math.max(medianAge(), this.#count ? median(this.#samples, this.#count) : 0), now, demand, 0, ran)
    // The requests that fill the limit are waiting on I/O (the loop has room): more may run. The
    // samples so far stay for the window a later step closes.
    else if (!this.#saturated && demand) this.#grow(running + waiting, this.#onTime)
    else if (now - this.#windowStart >= WINDOW_MS * LONG_WINDOWS && this.#count > 0) this.#update(median(this.#samples, this.#count), now, demand, running + waiting, ran)
    else return this.#endStep()
    this.#count = 0
    this.#windowStart = now
    this.#endStep()
  }

  /** How far stretch() may take the limit until the next step (see the top of the file). */
  #endStep(): void {
    const o = this.#o
    const tolerated = o.tolerance * this.#baseline
    // Within the tolerance means the median and the budgets: a page whose median call is on time but
    // whose fifth call missed its budget is degraded all the same (the shop at 1,000 connections on a
    // 2-CPU VM: medians within 1.3x the baseline, a tenth of the calls late, half the pages degraded,
    // and the limit stretched to 300-700 a worker on the median alone).
    const sustainable = this.#sample <= tolerated && this.#onTime ? Math.min(o.max, Math.floor((tolerated / 1000) * this.#capacity)) : 0
    this.#stretchCap = !this.#saturated ? Math.min(o.max, Math.max(o.min, this.#limit * 2, sustainable))
      // Unmeasured (no baseline yet): a full loop says only that a fresh worker is busy (compiling
      // its code), not what it can serve; see the top of the file and docs/overload.md.
      : this.#baseline !== this.#baseline ? Math.min(o.max, Math.max(o.min, this.#initial * 2))
      : this.#loopFull && !(this.#pressure > o.downstream!) ? sustainable : 0
  }

  /**
   * Completions per second at a full loop: completions over the loop's busy time (utilisation ×
   * the step's length), summed over steps until there are MIN_SAMPLES of them, so a worker at 20
   * connections learns it too (three completions a step), and smoothed. Learnt at a low load it errs
   * high (the fan-out's worker read 4,600/s at a tenth of its loop and about 800/s with it full: at a
   * low load a request does its work at the cheapest, with little to collect and short queues in
   * its pools). That costs little: once load comes, the steps at a full loop teach the real figure
   * within a second, and latency past the tolerance stops every stretch meanwhile.
   */
  #learnCapacity(gapMs: number, utilization: number): void {
    if (utilization === utilization && gapMs > 0) this.#busyMs += utilization * gapMs
    if (this.#ended < MIN_SAMPLES || this.#busyMs < 1) return
    const capacity = (this.#ended * 1000) / this.#busyMs
    this.#ended = 0
    this.#busyMs = 0
    this.#capacity = this.#capacity > 0 ? this.#capacity * 0.75 + capacity * 0.25 : capacity
  }

  /** `ran`: the most requests that ran at once in the step that closes the window. */
  #update(sampleMs: number, now: number, demand: boolean, wanted: number, ran: number): void {
    const o = this.#o
    const limit = this.#limit
    this.#sample = sampleMs
    this.#baseline = this.#lowest(sampleMs, now)
    // Gathers with a call past its budget are answers already degraded, whatever the median: the share
    // counts as a gradient of its own (a tenth missed, 0.9), and the lower of the two decides.
    // Too few gathers ended since the limit last moved to tell (pages take longer than a window):
    // the last share that could tell stands, for the stretch and for /status, but moves nothing.
    const missed = o.budgets ? o.budgets.read() : NaN
    if (missed === missed) this.#missed = missed
    const gradient = Math.max(0.5, Math.min(1, (o.tolerance * this.#baseline) / sampleMs, 1 - (missed || 0)))
    // Latency above the baseline means overload only when this worker's loop is full; otherwise
    // the requests are slower because what they wait on is, and fewer at once would not help them.
    // The cut is from what ran, when that was less than the limit: latency rose at that concurrency,
    // and a limit above it binds nothing (the shop at 1,000 connections with --burst-intake, 2 CPUs:
    // limits of 600-1,000 per worker with 300-450 running, the loop full and up to 45% of the calls
    // past their budgets, for seconds).
    if (gradient < 1 && this.#saturated) this.#limit = Math.max(o.min, (Math.min(limit, Math.max(ran, 1)) * (1 + gradient)) / 2)
    // Probe upwards only on evidence that answers are on time: after a window with degraded pages,
    // a window too short to judge the new limit by is no such evidence. Without this the shop at
    // 1,000 connections cut its limit by a quarter for late pages, met a window in which none of the
    // pages admitted since had ended yet, and grew it by a quarter again (stop 46, docs/overload.md).
    else if (demand) this.#grow(this.#saturated ? 0 : wanted, this.#onTime)
    if (this.#limit !== limit) {
      this.#movedAt = now
      o.budgets?.restart(now)
    }
  }

  /**
   * Probe upwards: a quarter more, at least √limit (unless `probe` is false); and with an unsaturated
   * loop at least `wanted` (what runs and waits now), so no request waits out its queue deadline
   * behind requests that are only waiting on I/O.
   */
  #grow(wanted: number, probe: boolean): void {
    const limit = this.#limit
    this.#limit = Math.min(this.#o.max, Math.max(wanted, probe ? limit + Math.max(Math.sqrt(limit), limit / 4) : limit))
  }

  /** Record this window's median in its second, and return the lowest of the horizon. */
  #lowest(sampleMs: number, now: number): number {
    const second = Math.floor(now / 1000)
    const i = second % HORIZON_S
    if (this.#seconds[i] !== second) {
      this.#seconds[i] = second
      this.#minima[i] = sampleMs
    } else if (sampleMs < this.#minima[i]!) this.#minima[i] = sampleMs
    let lowest = Infinity
    for (let j = 0; j < HORIZON_S; j++) if (second - this.#seconds[j]! < HORIZON_S && this.#minima[j]! < lowest) lowest = this.#minima[j]!
    return lowest
  }
}

/** The median of the first n values (sorted in place: the window is over). */
function median(values: Float64Array, n: number): number {
  const window = values.subarray(0, n).sort()
  return n % 2 ? window[n >> 1]! : (window[n / 2 - 1]! + window[n / 2]!) / 2
}
