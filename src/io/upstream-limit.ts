/**
 * Adaptive concurrency per upstream (issue 12, the client side of overload control): an upstream
 * that slows down gets fewer calls at once, so a struggling service is not buried under more
 * requests than it can answer, and our callers get their fallback quickly instead of waiting out
 * their budgets in its queue.
 *
 * The limit is the server's gradient (concurrency/limit.ts) against this upstream's own baseline: the
 * lowest window median of its call latency over 30 s. Latency above tolerance × baseline brings the
 * limit down by up to a quarter a window (unless this process's own loop was full: then the rise is
 * ours as much as the upstream's), latency at the baseline with the limit in use raises it again. It moves within [min, max], max being the
 * pool's connections (more calls at once than connections only queue inside undici).
 *
 * Latency is measured from the moment undici writes the request on a connection, so a pool too
 * small for the load does not read as a slow upstream.
 *
 * A call past the limit waits, in arrival order, for at most waitMs (and never past its own budget,
 * which ends it as before); then it fails with CORRAL_ERR_UPSTREAM_LIMIT (503), which a gather()
 * call turns into its fallback. The breaker is separate and unchanged: it counts failures of calls
 * that were sent, and a refused call was not.
 */
import { eventLoopMeter, GradientLimit } from '../concurrency/limit.js'

export interface UpstreamLimitOptions {
  /** The fewest calls at once the limit comes down to. Default 2. */
  min?: number
  /** How much slower than its baseline the upstream may answer before the limit comes down. Default 2. */
  tolerance?: number
  /** The longest a call waits for a slot (within its budget) before CORRAL_ERR_UPSTREAM_LIMIT. Default 50 ms. */
  waitMs?: number
}

/** A call waiting for a slot. */
export interface SlotWaiter {
  /** It ended while waiting (its budget, its caller): skip it. */
  readonly settled: boolean
  /** It has a slot: send it. */
  admit(now: number): void
  /** It waited waitMs: fail it. */
  refuse(): void
}

const never = () => 0
/** Our loop's utilisation from which a rise in the upstream's latency is no longer the upstream's alone. */
const BUSY = 0.9

export class UpstreamLimit {
  running = 0
  readonly #limit: GradientLimit
  readonly #waitMs: number
  readonly #max: number
  #queue: SlotWaiter[] = []
  #at: number[] = []
  #head = 0
  #timer: NodeJS.Timeout | undefined

  constructor(max: number, o: Required<UpstreamLimitOptions>) {
    // It starts at max: what the upstream can take is unknown until it slows down, and starting
    // lower would refuse calls to a healthy upstream that answers at a steady pace.
    // The limit's "saturated" gate is turned around: a latency rise counts against the upstream
    // only when this process's own loop had room (utilisation under 0.9). Measured while our loop is
    // full, the time to an answer includes our wait to read it, and cutting the upstream's calls
    // would only add refusals to an overload of our own (which the server's limit handles).
    const loop = eventLoopMeter()
    this.#limit = new GradientLimit({ min: Math.min(o.min, max), max, tolerance: o.tolerance, saturated: 1 - BUSY, loop: () => 1 - loop(), initial: max })
    this.#waitMs = o.waitMs
    this.#max = max
  }

  get current(): number { return this.#limit.current }
  get baselineMs(): number { return this.#limit.baselineMs }
  get waiting(): number { return this.#queue.length - this.#head }

  /**
   * The fast path: a slot now, with nobody waiting ahead. At max (a healthy upstream) every call
   * goes through and what passes the pool's connections queues inside undici within its budget, as
   * without the limit; only a limit that came down makes calls wait and refuses them.
   */
  enter(): boolean {
    const limit = this.#limit.current
    if ((this.running < limit || limit >= this.#max) && this.#queue.length === this.#head) {
      this.running++
      return true
    }
    return false
  }

  wait(w: SlotWaiter, now: number): void {
    this.#queue.push(w)
    this.#at.push(now)
    if (this.#timer === undefined) this.#arm(now)
  }

  /**
   * A call that held a slot ended; `latencyMs` is its last attempt's time from being sent on a
   * connection (not from joining the pool's queue: that wait is ours, not the upstream's), NaN when
   * it is no sample (its caller gave up, it was never sent).
   */
  leave(latencyMs: number, now: number): void {
    this.#limit.sample(latencyMs, now, this.running, this.waiting, never)
    this.running--
    while (this.#head < this.#queue.length && this.running < this.#limit.current) {
      const w = this.#shift()!
      if (w.settled) continue
      this.running++
      w.admit(now)
    }
  }

  #shift(): SlotWaiter | undefined {
    const w = this.#queue[this.#head]
    this.#queue[this.#head] = undefined as never
    this.#head++
    if (this.#head === this.#queue.length) {
      this.#queue = []
      this.#at = []
      this.#head = 0
    }
    return w
  }

  /** One timer for the queue, due when its head has waited waitMs (every waiter waits as long, so the head is due first). */
  #arm(now: number): void {
    while (this.#head < this.#queue.length && this.#queue[this.#head]!.settled) this.#shift()
    if (this.#head === this.#queue.length) return
    const due = Math.max(1, this.#at[this.#head]! + this.#waitMs - now)
    this.#timer = setTimeout(this.#onTimer, due)
    this.#timer.unref()
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined
    const now = performance.now()
    while (this.#head < this.#queue.length && now - this.#at[this.#head]! >= this.#waitMs - 1) {
      const w = this.#shift()!
      if (!w.settled) w.refuse()
    }
    this.#arm(now)
  }
}
