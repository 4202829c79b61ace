/**
 * How many requests a worker runs at once. Two kinds:
 *
 * StaticLimit — a fixed number (--no-overload-control, the sync worker class): Gunicorn's
 * worker_connections.
 *
 * GradientLimit — follows measured latency against a measured no-load baseline, in the spirit of
 * Envoy's adaptive concurrency filter and Netflix's Gradient2 (docs/overload.md says why this
 * shape and not Vegas or AIMD). Every window (WINDOW_MS and at least MIN_SAMPLES completions):
 *
 *   sample   = median service time of the window (admission to the end of the answer)
 *   baseline = the lowest window median of the last 30 s (measured afresh after a quiet spell):
 *              the service time when requests did not wait for each other. A sustained change (a
 *              slower database) becomes the new baseline within 30 s; a burst never does
 *   gradient = clamp(tolerance × baseline / sample, 0.5, 1)
 *   limit    = limit × (1 + gradient) / 2          when latency rose (gradient < 1; smoothed as
 *                                                 Gradient2 does, so one noisy window on a busy
 *                                                 host costs a quarter of the limit at most)
 *            = limit + max(√limit, limit / 4)     when it did not and the window used at least half
 *                                                 the limit (demand is there: probe for more)
 *            = limit                              otherwise (nothing learnt about more concurrency)
 *
 * The limit grows only with demand (as Netflix's limits do): an idle worker keeps the limit its last
 * load needed, so a burst that comes all at once, faster than any window, meets that limit and not
 * --worker-connections. When the burst is over and load returns, each 100 ms window at baseline
 * latency raises it by a quarter: from the minimum 4 back to 100 in about 1.5 s.
 *
 * A window that closes with too few completions while requests run (a burst admitted all at once,
 * each waiting for CPU behind the others) takes the median age of the running requests instead:
 * waiting for them to finish is exactly the collapse this is here to prevent.
 *
 * Written by hand: the npm packages for this (e.g. Netflix's ports) run a timer per limiter, want
 * a promise per request and measure from their own acquire() call, where corral already has the
 * clock readings; the algorithm is thirty lines.
 */
export interface ConcurrencyLimit {
  /** Requests that may run at once now. */
  readonly current: number
  /** A request ended after `serviceMs` in service (NaN: not a sample, e.g. its client left); `running` were running just before. */
  sample(serviceMs: number, now: number, running: number, medianAge: () => number): void
  /** The no-load baseline and last window's sample, in ms (NaN before any). */
  readonly baselineMs: number
  readonly sampleMs: number
}

export class StaticLimit implements ConcurrencyLimit {
  readonly current: number
  readonly baselineMs = NaN
  readonly sampleMs = NaN
  constructor(limit: number) { this.current = limit }
  sample(): void {}
}

export interface GradientOptions { min: number; max: number; tolerance: number }

export const WINDOW_MS = 100
const MIN_SAMPLES = 10
const MAX_SAMPLES = 512
/** Where an unmeasured limit starts (Netflix's concurrency-limits starts at 20 too). */
const INITIAL = 20
/** A window with fewer completions than MIN_SAMPLES closes anyway after this many windows. */
const LONG_WINDOWS = 10
/** The baseline is the lowest median of this many seconds, kept as one minimum per second. */
const HORIZON_S = 30

export class GradientLimit implements ConcurrencyLimit {
  #limit: number
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

  constructor(o: GradientOptions) {
    this.#o = o
    this.#limit = Math.max(o.min, Math.min(o.max, INITIAL))
  }

  get current(): number { return Math.floor(this.#limit) }
  get baselineMs(): number { return this.#baseline }
  get sampleMs(): number { return this.#sample }

  sample(serviceMs: number, now: number, running: number, medianAge: () => number): void {
    if (this.#windowStart < 0) this.#windowStart = now
    if (running > this.#peak) this.#peak = running
    if (serviceMs === serviceMs && this.#count < MAX_SAMPLES) this.#samples[this.#count++] = serviceMs
    const age = now - this.#windowStart
    if (age < WINDOW_MS) return
    if (this.#count >= MIN_SAMPLES) this.#update(median(this.#samples, this.#count), now)
    else if (running > this.#limit / 2 && medianAge() > this.#baseline * this.#o.tolerance) this.#update(Math.max(medianAge(), this.#count ? median(this.#samples, this.#count) : 0), now)
    else if (age < WINDOW_MS * LONG_WINDOWS) return
    else if (this.#count > 0) this.#update(median(this.#samples, this.#count), now)
    this.#reset(now)
  }

  #reset(now: number): void {
    this.#count = 0
    this.#peak = 0
    this.#windowStart = now
  }

  #update(sampleMs: number, now: number): void {
    const o = this.#o
    const limit = this.#limit
    this.#sample = sampleMs
    this.#baseline = this.#lowest(sampleMs, now)
    const gradient = Math.max(0.5, Math.min(1, (o.tolerance * this.#baseline) / sampleMs))
    const next = gradient < 1 ? (limit * (1 + gradient)) / 2
      : this.#peak * 2 >= limit ? limit + Math.max(Math.sqrt(limit), limit / 4)
      : limit
    this.#limit = Math.max(o.min, Math.min(o.max, next))
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
