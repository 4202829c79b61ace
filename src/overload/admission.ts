/**
 * A worker's admission: which requests run now, which wait, which are shed. One instance per worker
 * serves HTTP/1.1 requests, HTTP/2 streams and WebSocket handshakes alike.
 *
 *   run    fewer than the limit run and nobody waits ahead (the fast path: two comparisons); or a
 *          request whose connection was shed last time, back from its rest, up to a quarter over it
 *   wait   a bounded FIFO queue; priority routes wait in a queue of their own that goes first
 *   shed   503 + Retry-After without running app code, when the queue is full, when the wait the
 *          worker predicts (queue ahead ÷ completions per second) passes the queue timeout, or when
 *          a request has waited that long; a queued request whose client has gone is dropped
 *
 * Priority routes skip the adaptive limit: they are admitted up to the hard cap
 * (--worker-connections), the capacity reserved for them. Open WebSockets are `held`: each counts
 * against the hard cap for as long as it lives, not against the adaptive limit (a socket's lifetime
 * is no measure of how busy the worker is).
 */
import { WINDOW_MS, type ConcurrencyLimit } from '../concurrency/limit.js'
import { Fifo } from './fifo.js'

export type ShedReason = 'full' | 'timeout' | 'gone'
export const SHED_REASONS: readonly ShedReason[] = ['full', 'timeout', 'gone']

/**
 * Requests queue only while the limit's last step found the loop at most CALM busy: a busy loop runs
 * long turns, and a deadline that falls in one is met late. After a waiter was shed late anyway (a
 * burst between two steps), nothing queues for LATE_HOLD_MS: newcomers past the limit are shed at once.
 */
const LATE_HOLD_MS = 1000
const CALM = 0.5
/**
 * How far over the limit a request may run whose connection was shed last time and has rested
 * (enterReturning): a share of the limit, and at least RETURN_MIN requests.
 */
const RETURN_SHARE = 0.25
const RETURN_MIN = 2

/** A request waiting for a slot. */
export interface Waiter {
  /** performance.now() when it was queued. */
  queuedAt: number
  /** Set by the admission: it left the queue (started, shed or cancelled). */
  settled: boolean
  /** Its client has gone (the socket closed): it must never start. */
  gone(): boolean
  /** It has a slot: run it. */
  admit(now: number): void
  /** It will not run: answer 503 (unless its client has gone). */
  shed(reason: ShedReason): void
}

export interface AdmissionOptions {
  limit: ConcurrencyLimit
  /** --worker-connections: running + held never pass it. */
  hardCap: number
  queueMax: number
  /** 0: no deadline in the queue (the sync worker class, which queues by design). */
  queueTimeoutMs: number
  /** Median time in service of the requests running now, for the limit's censored samples. */
  medianAge: (now: number) => number
  /** Called for every shed request and every queued one when it leaves the queue. */
  onShed?: (reason: ShedReason) => void
  onQueued?: (waitedMs: number) => void
  /**
   * `slots` requests could start now and nobody waits in the queue: the connections resting after
   * a refusal (pace.ts) may be read again. Called as a request leaves a slot under the limit (one
   * slot) and at the limit's steps (all the room it made).
   */
  onRoom?: (slots: number) => void
}

export class Admission {
  running = 0
  held = 0
  /** Waiting now (cancelled ones leave at once). */
  waiting = 0
  readonly shed: Record<ShedReason, number> = { full: 0, timeout: 0, gone: 0 }
  readonly #o: AdmissionOptions
  readonly #queue = new Fifo<Waiter>()
  readonly #first = new Fifo<Waiter>()
  /** Both queues, priority first: the order every sweep takes them in. */
  readonly #fifos = [this.#first, this.#queue] as const
  #timer: NodeJS.Timeout | undefined
  #ticker: NodeJS.Timeout | undefined
  /** Completions per second, smoothed: how fast slots free up, to predict a newcomer's wait. */
  #rate = 0
  #rateCount = 0
  #rateSince = 0
  readonly #medianAge: () => number
  #now = 0
  /** Set when a waiter was shed more than a queue timeout late (the loop ran late): nothing queues until then. */
  #lateUntil = 0

  constructor(o: AdmissionOptions) {
    this.#o = o
    this.#medianAge = () => o.medianAge(this.#now)
  }

  get limit(): number { return Math.min(this.#o.limit.current, this.#o.hardCap - this.held) }
  get limiter(): ConcurrencyLimit { return this.#o.limit }
  /** The limit a refusal names: the hard cap when open sockets and requests fill it, else the adaptive limit. */
  get refusing(): number { return this.running + this.held >= this.#o.hardCap ? this.#o.hardCap : this.limit }

  /** The fast path: a slot under the limit now, with nobody waiting ahead, or false. */
  enter(): boolean {
    if (this.running < this.limit && this.waiting === 0) {
      this.running++
      return true
    }
    return this.#atLimit()
  }

  /**
   * The slow path of enter(): the limit is full. While the worker is at its limit a timer steps the
   * limit every window (completions may be too few to); and when its loop has room the limit
   * stretches for this request (concurrency/limit.ts: requests waiting on I/O must not be cut).
   */
  #atLimit(): boolean {
    if (this.#ticker === undefined && this.#o.limit.adaptive) this.#startTicker()
    if (this.waiting === 0 && this.#stretch()) {
      this.running++
      return true
    }
    return false
  }

  #startTicker(): void {
    // A step now: after a quiet spell it starts a fresh reading of the loop, so the timer's first
    // step (due no later than the first waiter's deadline, with the default queue timeout) can judge.
    const now = performance.now()
    this.#now = now
    this.#o.limit.tick(now, this.running, this.waiting, this.#medianAge)
    this.#ticker = setInterval(this.#onTick, WINDOW_MS)
    this.#ticker.unref()
  }

  readonly #onTick = (): void => {
    const now = performance.now()
    this.#now = now
    this.#o.limit.tick(now, this.running, this.waiting, this.#medianAge)
    if (this.waiting > 0) return this.#dispatch(now)
    const limit = this.limit
    if (this.running < limit) this.#o.onRoom?.(limit - this.running)
    // Well under the limit with nobody waiting: completions step the limit from here on.
    if (this.running * 2 < limit) {
      clearInterval(this.#ticker)
      this.#ticker = undefined
    }
  }

  /**
   * A request whose connection was shed last time and rested (overload/pace.ts), at a full limit:
   * it runs if the running stay within RETURN_SHARE over the limit and nobody waits. The next
   * request to find the limit full is shed in its place, most often the next one on a connection
   * that was just answered, so refusals go round the connections beyond the limit instead of
   * falling on the same ones again and again. When more connections come back from their rests
   * than the share holds (far more connections than the worker can serve), the rest are shed, and
   * rest as long as the line of resting connections takes to get a slot.
   */
  enterReturning(): boolean {
    const limit = this.limit
    if (this.waiting === 0 && this.running < limit + Math.max(RETURN_MIN, limit * RETURN_SHARE) && this.running + this.held < this.#o.hardCap) {
      this.running++
      return true
    }
    return false
  }

  /** A priority route: a slot under the hard cap now, or false. */
  enterPriority(): boolean {
    if (this.running + this.held < this.#o.hardCap) {
      this.running++
      return true
    }
    return false
  }

  /** No slot now: queue `w`, or shed it at once (the reason is returned and w.shed is not called). */
  wait(w: Waiter, priority: boolean, now: number): ShedReason | undefined {
    const o = this.#o
    // A waiter past its deadline is shed by the next arrival, not only by the timer: a loop busy
    // with a burst of connections runs the timer late, and the queue's promise is the deadline.
    if (this.waiting > 0 && o.queueTimeoutMs > 0) this.#expireDue(now)
    if (priority) {
      this.#first.push(w)
    } else {
      if (this.waiting >= o.queueMax) return this.#count('full')
      // A busy loop runs its timers late (a 5 ms deadline was met at 12-200 ms in the shop bench,
      // and at up to 48 ms at 10,000 connections with the loop 50-90% busy): a newcomer would learn
      // of its 503 after the 10 ms it is promised, so it learns now. So does one that comes soon
      // after a waiter was shed late: a burst can hold the loop for tens of ms between two steps.
      if (o.queueTimeoutMs > 0 && (o.limit.loopFull || o.limit.utilization > CALM || now < this.#lateUntil)) return this.#count('full')
      // Little's law for the queue: those ahead leave at the rate slots free up. A newcomer that
      // would pass its deadline in the queue is told now, in microseconds, instead of at the deadline.
      // Not while the loop has room: the limit's next step makes room for what waits (concurrency/limit.ts).
      if (o.queueTimeoutMs > 0 && this.#rate > 0 && o.limit.saturated && ((this.waiting + 1) / this.#rate) * 1000 > o.queueTimeoutMs) return this.#count('full')
      this.#queue.push(w)
    }
    w.queuedAt = now
    this.waiting++
    if (o.queueTimeoutMs > 0 && this.#timer === undefined) this.#arm(now)
    return undefined
  }

  /** A queued request's client went away: it leaves the queue and never starts. */
  cancel(w: Waiter): void {
    if (w.settled) return
    w.settled = true
    this.waiting--
    this.#count('gone')
  }

  /** A request refused without queueing (a WebSocket handshake at the limit): counted as full. */
  refused(): void {
    this.#count('full')
  }

  /** A WebSocket took its slot over for its lifetime (admitted with enter, then held). */
  hold(): void {
    this.running--
    this.held++
    if (this.waiting > 0) this.#dispatch(performance.now())
  }

  release(): void {
    this.held--
    this.#dispatch(performance.now())
  }

  /**
   * A running request ended after `serviceMs` in service (NaN when it is no sample). Its slot goes to
   * the next waiter, started on a microtask: a request that finishes synchronously would otherwise
   * start the next inside its own stack, and a long queue of those would overflow it.
   */
  leave(serviceMs: number, now: number): void {
    this.#now = now
    this.#o.limit.sample(serviceMs, now, this.running, this.waiting, this.#medianAge)
    this.running--
    if (now - this.#rateSince >= 1000) this.#tickRate(now)
    this.#rateCount++
    if (this.waiting > 0) this.#dispatch(now)
    else if (this.running < this.limit) this.#o.onRoom?.(1)
  }

  /** Heartbeat: keep the completion rate current. */
  tick(now: number): void {
    if (now - this.#rateSince >= 1000) this.#tickRate(now)
    if (this.waiting > 0) this.#dispatch(now)
  }

  #tickRate(now: number): void {
    const seconds = (now - this.#rateSince) / 1000
    const rate = this.#rateCount / seconds
    this.#rate = this.#rate === 0 || seconds > 5 ? rate : this.#rate * 0.5 + rate * 0.5
    this.#rateCount = 0
    this.#rateSince = now
  }

  #dispatch(now: number): void {
    while (this.waiting > 0) {
      this.#oldest()
      const priority = this.#first.length > 0
      if (!(priority ? this.running + this.held < this.#o.hardCap : this.running < this.limit)) return
      const w = this.#take(now)
      if (!w) return
      this.#run(w, now)
    }
  }

  #run(w: Waiter, now: number): void {
    this.running++
    this.#o.onQueued?.(now - w.queuedAt)
    queueMicrotask(() => w.admit(performance.now()))
  }

  /**
   * The limit stretches for one more request when the last step found the worker unsaturated (its
   * requests wait on I/O, the loop has room and nothing downstream is queued; concurrency/limit.ts):
   * for a newcomer that finds the limit full, and for a waiter whose deadline passed, rather than
   * shed it before the next step can grow the limit.
   */
  #stretch(): boolean {
    return this.running + this.held < this.#o.hardCap && this.#o.limit.stretch(this.running)
  }

  /** The next waiter worth starting; the expired and the gone on the way are shed. */
  #take(now: number): Waiter | undefined {
    const deadline = this.#o.queueTimeoutMs
    for (;;) {
      const fifo = this.#first.length > 0 ? this.#first : this.#queue
      const w = fifo.shift()
      if (!w) return undefined
      if (w.settled) continue
      w.settled = true
      this.waiting--
      if (w.gone()) { this.#count('gone'); continue }
      if (deadline > 0 && now - w.queuedAt > deadline) { this.#expire(w, now); continue }
      return w
    }
  }

  #expire(w: Waiter, now: number): void {
    const waited = now - w.queuedAt
    if (waited > 2 * this.#o.queueTimeoutMs) this.#lateUntil = now + LATE_HOLD_MS
    this.#o.onQueued?.(waited)
    w.shed(this.#count('timeout'))
  }

  /** One timer for the whole queue, due when its oldest waiter's deadline passes. */
  #arm(now: number): void {
    const head = this.#oldest()
    if (!head) return
    const due = Math.max(1, head.queuedAt + this.#o.queueTimeoutMs - now)
    this.#timer = setTimeout(this.#onTimer, due)
    this.#timer.unref()
  }

  #oldest(): Waiter | undefined {
    for (const fifo of this.#fifos) {
      while (fifo.length > 0 && fifo.peek()!.settled) fifo.shift()
    }
    const a = this.#first.peek()
    const b = this.#queue.peek()
    return a && b ? (a.queuedAt <= b.queuedAt ? a : b) : a ?? b
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined
    const now = performance.now()
    this.#expireDue(now)
    if (this.waiting > 0) this.#arm(now)
  }

  /** Every waiter whose deadline has passed leaves the queue: started if the limit can stretch, else shed. */
  #expireDue(now: number): void {
    const deadline = this.#o.queueTimeoutMs
    for (const fifo of this.#fifos) {
      for (let w = fifo.peek(); w && (w.settled || now - w.queuedAt >= deadline); w = fifo.peek()) {
        fifo.shift()
        if (w.settled) continue
        w.settled = true
        this.waiting--
        if (w.gone()) this.#count('gone')
        else if (this.#stretch()) this.#run(w, now)
        else this.#expire(w, now)
      }
    }
  }

  #count(reason: ShedReason): ShedReason {
    this.shed[reason]++
    this.#o.onShed?.(reason)
    return reason
  }
}
