/**
 * An AbortSignal that costs what a small object costs. corral makes one per request (ctx.signal)
 * and one per gather() call; Node 20 spends about 3 µs building each real AbortSignal (it makes
 * an EventTarget and then changes its prototype), so a three-call fan-out paid ~10 µs per
 * request for signals alone (bench/micro/signals.ts).
 *
 * A LightSignal is a real EventTarget whose prototype chain runs through AbortSignal.prototype:
 * `instanceof AbortSignal` holds, and it can be handed to fetch, undici, timers/promises,
 * events.once, streams. It defines the three members AbortSignal's brand checks would refuse
 * (aborted, reason, throwIfAborted).
 *
 * 'abort' listeners wait in a list of the signal's own until EventTarget's rules are needed: the
 * signal aborts, `onabort` is set, a listener comes with a signal of its own, or an 'abort' event
 * is dispatched by hand. Then they move to EventTarget in the order they came, ahead of anything
 * added after, so the order, `once`, duplicates and capture behave as EventTarget's own
 * (test/io/light-signal.test.ts pins each). Why: a request that hands ctx.signal to three undici
 * calls adds and removes three listeners (one a call, undici 7), and in a server Node's EventTarget
 * code sees so many shapes of listener options and targets that its property loads go megamorphic.
 * Counted with bench/callgrind.ts (`--scenario fanout`, Node 26, main thread): the signal cost
 * about 25k instructions a request with EventTarget's list (412k against 387k without the signal),
 * and 6k with this one (393k). A microbenchmark, where those sites stay monomorphic, showed a third of a
 * microsecond, which is why stops 47 and 52 left it out. What Node's getEventListeners() cannot
 * see: a listener still in the list (it lists them once they have moved).
 *
 * Two differences remain, both made good here:
 * - corral's own code (gather, the upstream client) is told of the abort through watch(): a plain
 *   callback, no Event, no listener bookkeeping.
 * - AbortSignal.any() links signals through Node's internal state, which a LightSignal lacks:
 *   the first LightSignal made wraps AbortSignal.any so that it links a real signal that aborts
 *   with the light one. The abort event's isTrusted is false (Node's own is true).
 */
import { getEventListeners } from 'node:events'

type Watcher = () => void
type Listener = Parameters<EventTarget['addEventListener']>[1]
type AddOptions = Parameters<EventTarget['addEventListener']>[2]
type RemoveOptions = Parameters<EventTarget['removeEventListener']>[2]
/**
 * The 'abort' listeners waiting in the list, flat, three slots each: the listener, its capture flag as
 * it was when added (EventTarget's identity for it), and the options EventTarget is given when the list
 * moves there. No object per listener and no array per removal: three undici calls under ctx.signal add
 * and remove three listeners a request (bench/results/2026-12-07-stop61).
 */
type Waiting = (Listener | boolean | AddOptions)[]
const STRIDE = 3
const captureOf = (options: AddOptions | RemoveOptions): boolean => typeof options === 'boolean' ? options : options?.capture === true

const NativeAbortSignal = globalThis.AbortSignal
const onabort = Object.getOwnPropertyDescriptor(NativeAbortSignal.prototype, 'onabort')!
let anyWrapped = false

export class LightSignal extends EventTarget {
  #aborted = false
  #reason: unknown = undefined
  // Most signals have one watcher (a gather on ctx.signal, an upstream call on a gather's signal).
  #watcher: Watcher | undefined = undefined
  #watchers: Watcher[] | undefined = undefined
  #native: AbortController | undefined = undefined
  // 'abort' listeners not yet handed to EventTarget; #kept once EventTarget holds them all.
  #waiting: Waiting | undefined = undefined
  #kept = false

  constructor() {
    super()
    if (!anyWrapped) wrapAny()
  }

  override addEventListener(type: string, listener: Listener, options?: AddOptions): void {
    if (type !== 'abort' || this.#kept || this.#aborted || (typeof listener !== 'function' && (typeof listener !== 'object' || listener === null))) {
      super.addEventListener(type, listener, options)
      return
    }
    if (typeof options === 'object' && options !== null && options.signal !== undefined) {
      this.#keep()
      super.addEventListener(type, listener, options)
      return
    }
    const capture = captureOf(options)
    const waiting = this.#waiting
    if (waiting === undefined) {
      this.#waiting = [listener, capture, options]
      return
    }
    for (let i = 0; i < waiting.length; i += STRIDE) if (waiting[i] === listener && waiting[i + 1] === capture) return
    waiting.push(listener, capture, options)
  }

  override removeEventListener(type: string, listener: Listener, options?: RemoveOptions): void {
    if (type !== 'abort' || this.#waiting === undefined) {
      super.removeEventListener(type, listener, options)
      return
    }
    const capture = captureOf(options)
    const waiting = this.#waiting
    for (let i = 0; i < waiting.length; i += STRIDE) {
      if (waiting[i] === listener && waiting[i + 1] === capture) {
        // Moved down in place: splice() would make an array of what it removed, on every call.
        for (let j = i + STRIDE; j < waiting.length; j++) waiting[j - STRIDE] = waiting[j]
        waiting.length -= STRIDE
        return
      }
    }
  }

  override dispatchEvent(event: Event): boolean {
    if (event.type === 'abort') this.#keep()
    return super.dispatchEvent(event)
  }

  get onabort(): ((this: AbortSignal, ev: Event) => unknown) | null { return onabort.get!.call(this) }
  set onabort(handler: ((this: AbortSignal, ev: Event) => unknown) | null) {
    this.#keep()
    onabort.set!.call(this, handler)
  }

  #keep(): void {
    if (this.#kept) return
    this.#kept = true
    const waiting = this.#waiting
    this.#waiting = undefined
    if (waiting) for (let i = 0; i < waiting.length; i += STRIDE) super.addEventListener('abort', waiting[i] as Listener, waiting[i + 2] as AddOptions)
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
    s.#keep()
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
