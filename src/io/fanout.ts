/**
 * gather(): named calls run concurrently under the request's deadline, each with its own timeout
 * and fallback. It replaces seed 000's `asyncio.gather(..., return_exceptions=True)` followed by an
 * `isinstance(x, Exception)` check per result.
 *
 * Every call gets an AbortSignal of its own, aborted when its timeoutMs passes or when the parent
 * signal (ctx.signal) aborts. A call that loses is aborted, not abandoned: pass the signal on to the
 * I/O (upstream.json, fetch, a db query) and it stops (the upstream client lets a late answer finish
 * into its pool for a bounded time rather than close the connection; see upstream.ts). gather()
 * itself never waits for a call past its abort, even one that ignores its signal.
 *
 * The per-call signals are LightSignals (light-signal.ts), and the timeouts share one timer per
 * budget (deadlines.ts): on Node 20 a real AbortSignal and a timer per call cost more than the rest
 * of gather together.
 */
import { budgets } from '../concurrency/pressure.js'
import { corralError } from '../errors.js'
import { deadline, type Deadline } from './deadlines.js'
import { LightSignal, unwatchAbort, watchAbort } from './light-signal.js'

export interface Call<T> {
  run: (signal: AbortSignal) => Promise<T>
  /** Time this call may take, from the start of gather(). Absent: only the parent signal bounds it. */
  timeoutMs?: number
  /** Value to use when run() fails or times out. Receives the error. */
  fallback?: (error: unknown) => T | Promise<T>
}

export type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; fallback: true; value: T; error: unknown }
  | { ok: false; fallback: false; error: unknown }

type ValueOf<C> = C extends Call<infer T> ? T : never
// `any` here only lets a record of calls with different value types satisfy the constraint;
// each call's own type is recovered by ValueOf.
type Calls = Record<string, Call<any>>
export type Outcomes<C extends Calls> = { [K in keyof C]: Outcome<ValueOf<C[K]>> }

/** Timers are injectable so tests can drive time (STYLE.md #12); the default is one timer per budget (deadlines.ts). */
export interface Timers {
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
}

export function gather<C extends Calls>(
  parent: AbortSignal | undefined,
  calls: C,
  options: { timers?: Timers } = {},
): Promise<Outcomes<C>> {
  return new Promise((resolve) => { new Gathering(parent, calls, options.timers, resolve as (out: unknown) => void) })
}

/**
 * One gather(): a slot per call, a single watcher on the parent signal for all of them, and no
 * promise beyond the one gather returns and the calls' own. Each slot settles once, by whichever
 * comes first: its run()'s result, its timeout, or the parent's abort.
 */
class Gathering {
  readonly out: Record<string, Outcome<unknown> | undefined> = {}
  readonly slots: Slot[] = []
  readonly parent: AbortSignal | undefined
  readonly timers: Timers | undefined
  readonly resolve: (out: unknown) => void
  pending: number
  onParentAbort: (() => void) | undefined = undefined
  /**
   * When it started, if any call has a budget (NaN: none has), and whether one ran past it: a
   * gather with a late call is a degraded answer, and how many are counts for the worker's limit.
   */
  startedAt = NaN
  late = false

  constructor(parent: AbortSignal | undefined, calls: Calls, timers: Timers | undefined, resolve: (out: unknown) => void) {
    this.parent = parent
    this.timers = timers
    this.resolve = resolve
    const names = Object.keys(calls)
    this.pending = names.length
    // The outcomes keep the calls' order, whichever settles first.
    for (const name of names) this.out[name] = undefined
    if (names.length === 0) { resolve(this.out); return }
    const now = performance.now()
    for (const name of names) {
      const call = calls[name]!
      if (call.timeoutMs !== undefined) this.startedAt = now
      this.slots.push(new Slot(this, name, call))
    }
    if (parent?.aborted) {
      for (const slot of this.slots) slot.abort(parent.reason)
      return
    }
    if (parent) {
      this.onParentAbort = () => { for (const slot of this.slots) slot.abort(parent.reason) }
      watchAbort(parent, this.onParentAbort)
    }
    for (const slot of this.slots) if (!slot.settled) slot.start(now)
  }

  done(name: string, outcome: Outcome<unknown>): void {
    this.out[name] = outcome
    if (--this.pending > 0) return
    if (this.onParentAbort) unwatchAbort(this.parent!, this.onParentAbort)
    if (this.startedAt === this.startedAt) budgets.ended(this.startedAt, this.late)
    this.resolve(this.out)
  }
}

class Slot {
  readonly g: Gathering
  readonly name: string
  readonly call: Call<unknown>
  readonly signal = new LightSignal()
  settled = false
  timer: Deadline | undefined = undefined
  handle: unknown = undefined

  constructor(g: Gathering, name: string, call: Call<unknown>) {
    this.g = g
    this.name = name
    this.call = call
  }

  start(now: number): void {
    const { call } = this
    if (call.timeoutMs !== undefined) {
      const onTimeout = () => {
        if (!this.settled) this.g.late = true
        this.abort(corralError('CORRAL_ERR_CALL_TIMEOUT', this.name, call.timeoutMs))
      }
      if (this.g.timers) this.handle = this.g.timers.setTimeout(onTimeout, call.timeoutMs)
      else this.timer = deadline(call.timeoutMs, onTimeout, now)
    }
    let result: unknown
    try {
      result = call.run(this.signal)
    } catch (error) {
      this.fail(error)
      return
    }
    if (isThenable(result)) result.then((value) => this.succeed(value), (error) => this.fail(error))
    else this.succeed(result)
  }

  /** Its timeout passed or the parent aborted: the call's signal aborts and the slot settles now, not when run() gives up. */
  abort(reason: unknown): void {
    if (this.settled) return
    LightSignal.abort(this.signal, reason)
    this.fail(reason)
  }

  succeed(value: unknown): void {
    if (this.settled) return
    this.stop()
    this.g.done(this.name, { ok: true, value })
  }

  fail(error: unknown): void {
    if (this.settled) return
    this.stop()
    const fallback = this.call.fallback
    if (!fallback) { this.g.done(this.name, { ok: false, fallback: false, error }); return }
    const both = (fallbackError: unknown) => this.g.done(this.name, {
      ok: false, fallback: false, error: new AggregateError([error, fallbackError], `call ${this.name} and its fallback both failed`),
    })
    let value: unknown
    try {
      value = fallback(error)
    } catch (fallbackError) {
      both(fallbackError)
      return
    }
    if (isThenable(value)) value.then((v) => this.g.done(this.name, { ok: false, fallback: true, value: v, error }), both)
    else this.g.done(this.name, { ok: false, fallback: true, value, error })
  }

  // A call that won is not aborted afterwards: its result may still be a body being read.
  stop(): void {
    this.settled = true
    this.timer?.cancel()
    if (this.handle !== undefined) this.g.timers!.clearTimeout(this.handle)
  }
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function'

/** The value of each call (its fallback's when it failed), or undefined where there is none. */
export function values<C extends Calls>(outcomes: Outcomes<C>): { [K in keyof C]: ValueOf<C[K]> | undefined } {
  const out = {} as { [K in keyof C]: ValueOf<C[K]> | undefined }
  for (const name in outcomes) {
    const o = outcomes[name]
    out[name] = 'value' in o ? o.value : undefined
  }
  return out
}

/** Names of the calls that did not succeed (fallback used or plain error): for logs, headers, metrics. */
export function degraded<C extends Calls>(outcomes: Outcomes<C>): (keyof C & string)[] {
  const out: (keyof C & string)[] = []
  for (const name in outcomes) if (!outcomes[name].ok) out.push(name)
  return out
}
