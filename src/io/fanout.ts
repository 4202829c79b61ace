/**
 * gather(): named calls run concurrently under the request's deadline, each with its own timeout
 * and fallback. It replaces seed 000's `asyncio.gather(..., return_exceptions=True)` followed by an
 * `isinstance(x, Exception)` check per result.
 *
 * Every call gets an AbortSignal of its own, aborted when its timeoutMs passes or when the parent
 * signal (ctx.signal) aborts. A call that loses is aborted, not abandoned: pass the signal on to the
 * I/O (upstream.json, fetch, a db query) and the socket is closed. gather() itself never waits for
 * a call past its abort, even one that ignores its signal.
 */
import { corralError } from '../errors.js'

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

/** Timers are injectable so tests can drive time (STYLE.md #12); the default is the real clock. */
export interface Timers {
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

export async function gather<C extends Calls>(
  parent: AbortSignal | undefined,
  calls: C,
  options: { timers?: Timers } = {},
): Promise<Outcomes<C>> {
  const timers = options.timers ?? realTimers
  const names = Object.keys(calls) as (keyof C & string)[]
  const settled = await Promise.all(names.map((name) => runOne(name, calls[name]!, parent, timers)))
  const out = {} as Outcomes<C>
  names.forEach((name, i) => { out[name] = settled[i] as Outcomes<C>[typeof name] })
  return out
}

async function runOne<T>(name: string, call: Call<T>, parent: AbortSignal | undefined, timers: Timers): Promise<Outcome<T>> {
  const controller = new AbortController()
  let timer: unknown
  let onParentAbort: (() => void) | undefined
  // Rejects the moment the call's signal aborts, so a run() that ignores its signal cannot hold gather().
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true })
  })
  aborted.catch(() => {})
  if (parent?.aborted) controller.abort(parent.reason)
  else if (parent) {
    onParentAbort = () => controller.abort(parent.reason)
    parent.addEventListener('abort', onParentAbort, { once: true })
  }
  if (call.timeoutMs !== undefined && !controller.signal.aborted) {
    timer = timers.setTimeout(() => controller.abort(corralError('CORRAL_ERR_CALL_TIMEOUT', name, call.timeoutMs)), call.timeoutMs)
  }
  try {
    if (controller.signal.aborted) throw controller.signal.reason
    const value = await Promise.race([call.run(controller.signal), aborted])
    return { ok: true, value }
  } catch (error) {
    if (!call.fallback) return { ok: false, fallback: false, error }
    try {
      return { ok: false, fallback: true, value: await call.fallback(error), error }
    } catch (fallbackError) {
      return { ok: false, fallback: false, error: new AggregateError([error, fallbackError], `call ${name} and its fallback both failed`) }
    }
  } finally {
    if (timer !== undefined) timers.clearTimeout(timer)
    // A call that won is not aborted afterwards: its result may still be a body being read.
    if (onParentAbort) parent!.removeEventListener('abort', onParentAbort)
  }
}

/** The value of each call (its fallback's when it failed), or undefined where there is none. */
export function values<C extends Calls>(outcomes: Outcomes<C>): { [K in keyof C]: ValueOf<C[K]> | undefined } {
  const out = {} as { [K in keyof C]: ValueOf<C[K]> | undefined }
  for (const name of Object.keys(outcomes) as (keyof C)[]) {
    const o = outcomes[name]
    out[name] = 'value' in o ? o.value : undefined
  }
  return out
}

/** Names of the calls that did not succeed (fallback used or plain error): for logs, headers, metrics. */
export function degraded<C extends Calls>(outcomes: Outcomes<C>): (keyof C & string)[] {
  return (Object.keys(outcomes) as (keyof C & string)[]).filter((name) => !outcomes[name].ok)
}
