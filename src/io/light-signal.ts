/**
 * An AbortSignal that costs what a small object costs. corral makes one per request (ctx.signal)
 * and one per gather() call; Node 20 spends about 3 µs building each real AbortSignal (it makes
 * an EventTarget and then changes its prototype), so a three-call fan-out paid ~10 µs per
 * request for signals alone (bench/micro/signals.ts).
 *
 * A LightSignal is a real EventTarget whose prototype chain runs through AbortSignal.prototype:
 * `instanceof AbortSignal` holds, addEventListener/onabort/removeEventListener are EventTarget's
 * own, and it can be handed to fetch, undici, timers/promises, events.once, streams. It defines
 * the three members AbortSignal's brand checks would refuse (aborted, reason, throwIfAborted).
 * Two differences remain, both made good here:
 * - corral's own code (gather, the upstream client) is told of the abort through watch(): a plain
 *   callback, no Event, no listener bookkeeping.
 * - AbortSignal.any() links signals through Node's internal state, which a LightSignal lacks:
 *   the first LightSignal made wraps AbortSignal.any so that it links a real signal that aborts
 *   with the light one. The abort event's isTrusted is false (Node's own is true).
 */
import { getEventListeners } from 'node:events'

type Watcher = () => void

const NativeAbortSignal = globalThis.AbortSignal
let anyWrapped = false

export class LightSignal extends EventTarget {
  #aborted = false
  #reason: unknown = undefined
  // Most signals have one watcher (a gather on ctx.signal, an upstream call on a gather's signal).
  #watcher: Watcher | undefined = undefined
  #watchers: Watcher[] | undefined = undefined
  #native: AbortController | undefined = undefined
  // AbortSignal.prototype's own accessor (EventTarget handler machinery) serves it; declared for the type only.
  declare onabort: ((this: AbortSignal, ev: Event) => unknown) | null

  constructor() {
    super()
    if (!anyWrapped) wrapAny()
  }

  get aborted(): boolean { return this.#aborted }
  get reason(): unknown { return this.#reason }
  throwIfAborted(): void { if (this.#aborted) throw this.#reason }

  /** Abort: watchers first, then the 'abort' event for listeners (and onabort), as AbortController#abort does. */
  static abort(s: LightSignal, reason?: unknown): void {
    if (s.#aborted) return
    s.#aborted = true
    s.#reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason
    const first = s.#watcher
    const rest = s.#watchers
    s.#watcher = undefined
    s.#watchers = undefined
    first?.()
    if (rest) for (const w of rest) w()
    // The Event is made only when someone listens: most signals never abort, and most that do have only watchers.
    if (getEventListeners(s, 'abort').length > 0) s.dispatchEvent(new Event('abort'))
    s.#native?.abort(s.#reason)
  }

  static watch(s: LightSignal, fn: Watcher): void {
    if (s.#watcher === undefined && s.#watchers === undefined) s.#watcher = fn
    else (s.#watchers ??= []).push(fn)
  }

  static unwatch(s: LightSignal, fn: Watcher): void {
    if (s.#watcher === fn) { s.#watcher = undefined; return }
    const i = s.#watchers?.indexOf(fn) ?? -1
    if (i >= 0) s.#watchers!.splice(i, 1)
  }

  /** A native AbortSignal that aborts when this one does (made once, on demand). */
  static native(s: LightSignal): AbortSignal {
    if (!s.#native) {
      s.#native = new AbortController()
      if (s.#aborted) s.#native.abort(s.#reason)
    }
    return s.#native.signal
  }
}

Object.setPrototypeOf(LightSignal.prototype, NativeAbortSignal.prototype)

function wrapAny(): void {
  anyWrapped = true
  const any = NativeAbortSignal.any as ((signals: Iterable<AbortSignal>) => AbortSignal) | undefined
  if (typeof any !== 'function') return
  NativeAbortSignal.any = function (this: unknown, signals: Iterable<AbortSignal>): AbortSignal {
    return any.call(this, Array.from(signals, (s) => (s instanceof LightSignal ? LightSignal.native(s) : s)))
  }
}

/** Call fn once when signal aborts (not if it already has): the cheap way for a LightSignal, a listener otherwise. */
export function watchAbort(signal: AbortSignal, fn: Watcher): void {
  if (signal instanceof LightSignal) LightSignal.watch(signal, fn)
  else signal.addEventListener('abort', fn, { once: true })
}

export function unwatchAbort(signal: AbortSignal, fn: Watcher): void {
  if (signal instanceof LightSignal) LightSignal.unwatch(signal, fn)
  else signal.removeEventListener('abort', fn)
}
