/**
 * A circuit breaker for one upstream. closed → open after `failures` consecutive failures, or
 * when at least `minRequests` calls in the current window failed at `ratio` or more → half-open
 * once `coolDownMs` has passed (up to `probes` calls go through) → closed on a probe's success,
 * open again (a fresh cool-down) on its failure.
 *
 * While open, calls fail at once, so the caller's fallback answers in microseconds instead of each
 * request waiting out a timeout against a service that is down.
 *
 * The window is tumbling (counts reset every windowMs), not sliding: simpler, and the consecutive
 * count catches a hard outage within `failures` calls anyway.
 */
export type BreakerState = 'closed' | 'open' | 'half-open'

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failures?: number
  /** Failure ratio in a window that opens the circuit. Default 0.5. */
  ratio?: number
  /** Calls a window needs before the ratio counts. Default 20. */
  minRequests?: number
  /** Length of the counting window. Default 10 s. */
  windowMs?: number
  /** Time the circuit stays open before it lets probes through. Default 5 s. */
  coolDownMs?: number
  /** Calls allowed through at once while half-open. Default 1. */
  probes?: number
}

export class Breaker {
  #state: BreakerState = 'closed'
  #consecutive = 0
  #windowStart: number
  #calls = 0
  #failed = 0
  #openedAt = 0
  #probesInFlight = 0
  readonly #o: Required<BreakerOptions>
  readonly #now: () => number
  readonly #onChange: (state: BreakerState) => void

  constructor(options: BreakerOptions = {}, hooks: { now?: () => number; onChange?: (s: BreakerState) => void } = {}) {
    this.#o = { failures: 5, ratio: 0.5, minRequests: 20, windowMs: 10_000, coolDownMs: 5_000, probes: 1, ...options }
    this.#now = hooks.now ?? Date.now
    this.#onChange = hooks.onChange ?? (() => {})
    this.#windowStart = this.#now()
  }

  get state(): BreakerState {
    return this.#state
  }

  /** Ask before each call. False: fail fast. True: go ahead, then report with success() or failure(). */
  allow(): boolean {
    if (this.#state === 'open') {
      if (this.#now() - this.#openedAt < this.#o.coolDownMs) return false
      this.#move('half-open')
    }
    if (this.#state === 'half-open') {
      if (this.#probesInFlight >= this.#o.probes) return false
      this.#probesInFlight++
    }
    return true
  }

  success(): void {
    if (this.#state === 'half-open') {
      this.#probesInFlight = Math.max(0, this.#probesInFlight - 1)
      this.#reset()
      this.#move('closed')
      return
    }
    this.#consecutive = 0
    this.#count(false)
  }

  failure(): void {
    if (this.#state === 'half-open') {
      this.#probesInFlight = Math.max(0, this.#probesInFlight - 1)
      this.#open()
      return
    }
    if (this.#state === 'open') return
    this.#consecutive++
    this.#count(true)
    const ratioTripped = this.#calls >= this.#o.minRequests && this.#failed / this.#calls >= this.#o.ratio
    if (this.#consecutive >= this.#o.failures || ratioTripped) this.#open()
  }

  /** A call that was allowed but ended without a verdict (the caller aborted it): free its probe slot. */
  neutral(): void {
    if (this.#state === 'half-open') this.#probesInFlight = Math.max(0, this.#probesInFlight - 1)
  }

  #count(failed: boolean): void {
    const now = this.#now()
    if (now - this.#windowStart >= this.#o.windowMs) {
      this.#windowStart = now
      this.#calls = 0
      this.#failed = 0
    }
    this.#calls++
    if (failed) this.#failed++
  }

  #open(): void {
    this.#openedAt = this.#now()
    this.#reset()
    this.#move('open')
  }

  #reset(): void {
    this.#consecutive = 0
    this.#calls = 0
    this.#failed = 0
    this.#windowStart = this.#now()
  }

  #move(state: BreakerState): void {
    if (state === this.#state) return
    this.#state = state
    this.#onChange(state)
  }
}
