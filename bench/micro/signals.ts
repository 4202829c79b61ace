/**
 * What a request's signals and deadlines cost, in ns per operation, hot in one loop:
 *   node --import tsx bench/micro/signals.ts
 *
 * - a signal: a native AbortController's against a LightSignal (src/io/light-signal.ts), made and dropped;
 * - a fan-out handing the signal to three undici calls: each adds an 'abort' listener with
 *   { once: true } and removes it when its call ends (undici's addSignal and removeSignal);
 * - a deadline: setTimeout + clearTimeout (alone in its duration's list, and with another pending) against
 *   the io toolkit's lanes (src/io/deadlines.ts).
 *
 * Microbenchmarks flatter everything they run (one shape, hot caches); read them as ratios and as an
 * upper bound on what a change can save, and confirm in the request-path benches.
 */
import { deadline } from '../../src/io/deadlines.js'
import { LightSignal } from '../../src/io/light-signal.js'

const N = 300_000

function time(label: string, fn: () => unknown): void {
  for (let i = 0; i < 50_000; i++) fn()
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < N; i++) fn()
  console.log(`${String(Math.round(Number(process.hrtime.bigint() - t0) / N)).padStart(6)} ns  ${label}`)
}

/** undici's addSignal/removeSignal three times, as a three-call fan-out on ctx.signal does. */
function threeCalls(signal: AbortSignal): void {
  const listeners = [() => 1, () => 2, () => 3]
  for (const l of listeners) signal.addEventListener('abort', l, { once: true })
  for (const l of listeners) signal.removeEventListener('abort', l)
}

console.log(`Node ${process.version}`)
time('native AbortController + signal', () => new AbortController().signal)
time('LightSignal', () => new LightSignal())
time('native signal, three calls listen and stop', () => threeCalls(new AbortController().signal))
time('LightSignal, three calls listen and stop', () => threeCalls(new LightSignal()))
time('setTimeout + clearTimeout', () => clearTimeout(setTimeout(() => {}, 1000)))
// Node keeps a list per duration and drops it when it empties, as it does above: the request deadline's
// case when every answer is synchronous (src/worker/requests.ts now arms none for those).
const pending = setTimeout(() => {}, 1000)
time('setTimeout + clearTimeout, another of that duration pending', () => clearTimeout(setTimeout(() => {}, 1000)))
clearTimeout(pending)
time('deadline + cancel (io/deadlines.ts)', () => deadline(1000, () => {}).cancel())
