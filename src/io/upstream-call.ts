/**
 * One request through an upstream (upstream.ts): its attempts, its budget, its caller's signal, and
 * what happens to a request the caller stopped waiting for.
 *
 * Each attempt is an undici dispatch handler of its own (the dispatcher API under pool.request),
 * so an answer goes from undici's parser into a Buffer with no Readable stream, no AbortController
 * and no promise per attempt: the whole call is one promise. (Profiled on the fan-out: undici's
 * request() body stream and the per-call AbortController and listeners cost more than the I/O.)
 *
 * The caller stops waiting at once when its budget passes or its signal aborts. The request
 * itself is not cut then: its answer may be a few milliseconds away, and cutting it closes the
 * keep-alive connection, so the next call pays a connect (and the upstream an accept and a
 * close). It may go on for lingerMs more; an answer in that time is read and dropped and the
 * connection goes back to the pool. Past lingerMs the request is aborted, which closes the
 * connection, so a hung upstream still sees its requests end. A request still queued in the pool
 * when the caller gives up is dropped before it is sent.
 */
import type { Dispatcher } from 'undici'
import { corralError } from '../errors.js'
import { downstream } from '../concurrency/pressure.js'
import type { Breaker } from './breaker.js'
import type { SlotWaiter, UpstreamLimit } from './upstream-limit.js'
import { deadline, type Deadline } from './deadlines.js'
import { unwatchAbort, watchAbort } from './light-signal.js'
import { backoffMs, retryableStatuses, type BackoffOptions } from './retry.js'
import { errorKind, type UpstreamSeries } from './upstream-metrics.js'
import type { UpstreamPool } from './upstream-pool.js'

/** What every call of one upstream shares. */
export interface UpstreamCore {
  readonly name: string
  readonly pool: UpstreamPool
  readonly breaker: Breaker | undefined
  /** Adaptive concurrency (upstream-limit.ts), or undefined with limit: false. */
  readonly limit: UpstreamLimit | undefined
  readonly series: UpstreamSeries
  readonly retries: number
  readonly backoff: BackoffOptions
  readonly lingerMs: number
  readonly headersTimeoutMs: number
  readonly bodyTimeoutMs: number
}

/** What the caller gets: the raw answer, or its body read as text or JSON (2xx only). */
export type Read = 'raw' | 'text' | 'json'

export interface UpstreamResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  /** The whole body: it is read before returning, so the connection goes back to the pool at once. */
  body: Buffer
}

// Thrown from onConnect to cancel a request that was never sent: undici then drops it without
// closing the connection it was about to use (an abort there would close it).
const NOT_SENT = Object.assign(new Error('the caller stopped waiting before the request was sent'), { code: 'CORRAL_UPSTREAM_NOT_SENT' })

export class UpstreamCall implements SlotWaiter {
  readonly #u: UpstreamCore
  readonly #path: string
  readonly #method: string
  readonly #headers: string[] | undefined
  readonly #body: string | Uint8Array | undefined
  readonly #budgetMs: number
  readonly #canRetry: boolean
  readonly #read: Read
  readonly #caller: AbortSignal | undefined
  readonly #resolve: (value: unknown) => void
  readonly #reject: (error: unknown) => void
  #attempt = 0
  #current: Attempt | undefined = undefined
  #settled = false
  #budget: Deadline | undefined = undefined
  #backoff: NodeJS.Timeout | undefined = undefined
  /** It holds a slot of the upstream's limit; the last attempt's time is the limit's sample. */
  #slot = false
  #latencyMs = NaN
  /** It waits for a slot of the upstream's limit: queued, for the worker's downstream pressure. */
  #waiting = false

  constructor(u: UpstreamCore, path: string, method: string, headers: string[] | undefined, body: string | Uint8Array | undefined,
    budgetMs: number, canRetry: boolean, read: Read, caller: AbortSignal | undefined,
    resolve: (value: unknown) => void, reject: (error: unknown) => void) {
    this.#u = u
    this.#path = path
    this.#method = method
    this.#headers = headers
    this.#body = body
    this.#budgetMs = budgetMs
    this.#canRetry = canRetry
    this.#read = read
    this.#caller = caller
    this.#resolve = resolve
    this.#reject = reject
  }

  start(): void {
    const caller = this.#caller
    if (caller?.aborted) { this.#settle(caller.reason, true); return }
    if (caller) watchAbort(caller, this.#onCallerAbort)
    const now = performance.now()
    this.#budget = deadline(this.#budgetMs, this.#onBudget, now)
    const limit = this.#u.limit
    if (limit === undefined) { this.#send(now); return }
    if (limit.enter()) {
      this.#slot = true
      this.#send(now)
      return
    }
    this.#waiting = true
    downstream.wait(now)
    limit.wait(this, now)
  }

  get settled(): boolean { return this.#settled }

  admit(now: number): void {
    this.#waiting = false
    downstream.waited(now)
    this.#slot = true
    this.#send(now)
  }

  refuse(): void {
    const u = this.#u
    u.series.errors.limit.inc()
    this.#settle(corralError('CORRAL_ERR_UPSTREAM_LIMIT', u.name, u.limit!.current), true)
  }

  // Verdicts only for an attempt in flight: a deadline that passes during a retry's backoff is not
  // one more upstream failure (the attempt before it has had its verdict).
  readonly #onCallerAbort = (): void => {
    // The caller gave up (its deadline, a lost race): not the upstream's fault, no verdict.
    if (this.#settled) return
    if (this.#current) this.#u.breaker?.neutral()
    this.#giveUp(this.#caller!.reason)
  }

  readonly #onBudget = (): void => {
    // Our own budget ran out: the upstream was too slow, which the breaker should learn.
    if (this.#settled) return
    this.#budget = undefined
    if (this.#current) {
      this.#u.breaker?.failure()
      this.#u.series.errors.timeout.inc()
      // The upstream took at least this long: the limit's sample, so a hung upstream reads as slow.
      this.#latencyMs = this.#current.sentMs(performance.now())
    }
    this.#giveUp(corralError('CORRAL_ERR_UPSTREAM_TIMEOUT', this.#u.name, this.#method, this.#path, this.#budgetMs))
  }

  #giveUp(reason: unknown): void {
    const attempt = this.#current
    this.#current = undefined
    if (attempt) {
      this.#u.series.duration[0]!.observe((performance.now() - attempt.started) / 1000)
      attempt.abandon(reason)
    }
    this.#settle(reason, true)
  }

  #send(now: number): void {
    const u = this.#u
    if (this.#attempt > 0) u.series.retries.inc()
    if (u.breaker && !u.breaker.allow()) {
      u.series.errors.open.inc()
      this.#settle(corralError('CORRAL_ERR_UPSTREAM_OPEN', u.name), true)
      return
    }
    const attempt = new Attempt(this, now)
    this.#current = attempt
    u.pool.dispatch({
      path: this.#path, method: this.#method, headers: this.#headers, body: this.#body,
      headersTimeout: u.headersTimeoutMs, bodyTimeout: u.bodyTimeoutMs,
    }, attempt)
  }

  /** An attempt ended with an answer (any status) or an error, while the caller still waited. */
  ended(attempt: Attempt, error: unknown): void {
    if (attempt !== this.#current) return
    this.#current = undefined
    const u = this.#u
    const last = !this.#canRetry || this.#attempt >= u.retries
    const now = performance.now()
    const seconds = (now - attempt.started) / 1000
    this.#latencyMs = attempt.sentMs(now)
    if (error !== undefined) {
      u.series.duration[0]!.observe(seconds)
      const kind = errorKind(error)
      u.breaker?.failure()
      u.series.errors[kind].inc()
      if (last || kind === 'other') {
        this.#settle(Object.assign(corralError('CORRAL_ERR_UPSTREAM_FAILED', u.name, this.#method, this.#path, (error as Error).message), { cause: error }), true)
        return
      }
    } else {
      const status = attempt.status
      u.series.duration[Math.min(5, Math.floor(status / 100))]!.observe(seconds)
      if (status >= 500) {
        u.breaker?.failure()
        u.series.errors.status.inc()
      } else u.breaker?.success()
      if (last || !retryableStatuses.has(status)) { this.#answer(attempt); return }
    }
    // Wait, then try again; a deadline that fires while we wait ends the call without counting a failure.
    const wait = backoffMs(this.#attempt, u.backoff)
    this.#attempt++
    if (wait <= 0) { this.#send(performance.now()); return }
    this.#backoff = setTimeout(() => { this.#backoff = undefined; if (!this.#settled) this.#send(performance.now()) }, wait)
  }

  #answer(attempt: Attempt): void {
    const status = attempt.status
    if (this.#read === 'raw') {
      // A plain object (spread and JSON as one expects); request() is the rare path, json() and text() skip the headers.
      this.#settle({ status, headers: attempt.headers(), body: attempt.body(true) } satisfies UpstreamResponse, false)
      return
    }
    if (status < 200 || status > 299) {
      this.#settle(Object.assign(corralError('CORRAL_ERR_UPSTREAM_STATUS', this.#u.name, status, this.#method, this.#path), { upstreamStatus: status }), true)
      return
    }
    const text = attempt.text()
    if (this.#read === 'text') { this.#settle(text, false); return }
    // An empty 2xx body (204, or a HEAD) is undefined rather than a JSON syntax error.
    let value: unknown
    try {
      value = text === '' ? undefined : JSON.parse(text)
    } catch (err) {
      this.#settle(err, true)
      return
    }
    this.#settle(value, false)
  }

  #settle(value: unknown, failed: boolean): void {
    if (this.#settled) return
    this.#settled = true
    if (this.#waiting) {
      this.#waiting = false
      downstream.waited(performance.now())
    }
    if (this.#slot) {
      this.#slot = false
      const limit = this.#u.limit!
      limit.leave(this.#latencyMs, performance.now())
      this.#u.series.limit.set(limit.current)
    }
    this.#budget?.cancel()
    if (this.#backoff) clearTimeout(this.#backoff)
    if (this.#caller) unwatchAbort(this.#caller, this.#onCallerAbort)
    if (failed) this.#reject(value)
    else this.#resolve(value)
  }

  get lingerMs(): number { return this.#u.lingerMs }
  /** It holds a slot of the upstream's limit, which wants the time its attempts spent at the upstream. */
  get limited(): boolean { return this.#slot }
  get series(): UpstreamSeries { return this.#u.series }
}

/** One dispatch of a call's request: undici's legacy handler interface, which it calls without a wrapper. */
class Attempt implements Dispatcher.DispatchHandler {
  readonly #call: UpstreamCall
  readonly started: number
  status = 0
  #rawHeaders: Buffer[] | undefined = undefined
  #chunk: Buffer | undefined = undefined
  #chunks: Buffer[] | undefined = undefined
  #abort: ((err?: Error) => void) | undefined = undefined
  #abandoned = false
  #linger: Deadline | undefined = undefined
  #done = false
  #sentAt = NaN
  /** Downstream pressure (concurrency/pressure.ts): queued in the pool until written on a connection, then in service. */
  #state: 'queued' | 'sent' | 'over' = 'queued'

  constructor(call: UpstreamCall, started: number) {
    this.#call = call
    this.started = started
    downstream.wait(started)
  }

  onConnect(abort: (err?: Error) => void): void {
    // undici calls this as it writes the request on a connection: the upstream's time starts here.
    const now = performance.now()
    if (this.#abandoned) throw NOT_SENT // onError follows, which ends its time queued
    if (this.#state === 'queued') {
      this.#state = 'sent'
      downstream.waited(now)
      downstream.serving(now, 1)
    }
    this.#abort = abort
    if (this.#call.limited) this.#sentAt = now
  }

  /** The attempt is over for the pressure reading: no longer queued or in service. */
  #over(): void {
    const state = this.#state
    if (state === 'over') return
    this.#state = 'over'
    if (state === 'sent') downstream.serving(performance.now(), -1)
    else downstream.waited(performance.now())
  }

  /** Time since the request was written on a connection (NaN if it never was, or nobody asked). */
  sentMs(now: number): number { return now - this.#sentAt }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.status = statusCode
    this.#rawHeaders = rawHeaders
    return true
  }

  onData(chunk: Buffer): boolean {
    if (this.#abandoned) return true
    if (this.#chunk === undefined) this.#chunk = chunk
    else (this.#chunks ??= [this.#chunk]).push(chunk)
    return true
  }

  onComplete(): void {
    this.#done = true
    this.#over()
    if (!this.#abandoned) { this.#call.ended(this, undefined); return }
    this.#linger?.cancel()
    this.#call.series.abandoned.finished.inc()
  }

  onError(err: Error): void {
    this.#done = true
    this.#over()
    if (!this.#abandoned) { this.#call.ended(this, err); return }
    this.#linger?.cancel()
    this.#call.series.abandoned[err === NOT_SENT ? 'unsent' : 'cut'].inc()
  }

  /** The caller stopped waiting: drop it if unsent, else let it finish within lingerMs, then cut it. */
  abandon(reason: unknown): void {
    if (this.#done) return
    this.#abandoned = true
    this.#chunk = undefined
    this.#chunks = undefined
    if (this.#abort === undefined) return // not sent yet: onConnect drops it
    const lingerMs = this.#call.lingerMs
    const cut = () => { if (!this.#done) this.#abort!(reason instanceof Error ? reason : new Error(String(reason))) }
    if (lingerMs > 0) this.#linger = deadline(lingerMs, cut)
    else cut()
  }

  /** The body as one Buffer; `own` copies a slice of a larger read buffer, so a kept body holds no more memory than itself. */
  body(own: boolean): Buffer {
    if (this.#chunks) return Buffer.concat(this.#chunks)
    const c = this.#chunk
    if (c === undefined) return Buffer.alloc(0)
    return own && c.byteLength !== c.buffer.byteLength ? Buffer.from(c) : c
  }

  text(): string {
    if (this.#chunks) return Buffer.concat(this.#chunks).toString('utf8')
    return this.#chunk === undefined ? '' : this.#chunk.toString('utf8')
  }

  /** Response headers by lower-case name, repeated ones as arrays (undici's request() shape). */
  headers(): Record<string, string | string[] | undefined> {
    const out: Record<string, string | string[] | undefined> = {}
    const raw = this.#rawHeaders ?? []
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toString('latin1').toLowerCase()
      const value = raw[i + 1]!.toString('latin1')
      const had = out[name]
      out[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value]
    }
    return out
  }
}
