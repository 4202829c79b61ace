/**
 * The watchdog thread's half of stall attribution (stalls.ts has the main thread's). The main
 * thread writes the time it last saw its loop run into shared memory, and says whether requests
 * are in flight. When that time stands still for the stall threshold while they are, this thread
 * asks the main thread, through the inspector, to evaluate the stall probe: V8 runs the evaluation
 * at the blocked code's next interrupt check, so the probe's stack is the blocked code's. No
 * debugger is enabled for it (no script list to send, no pause): one Runtime.evaluate, a few ms.
 *
 * It does not poll: it sleeps until the moment a stall would be certain, the last sign of life
 * plus the clock's interval (a free loop ticks by then) plus the threshold, and looks again only
 * then. A loop that runs keeps moving the time, so the thread wakes about once a threshold, and a
 * stall is caught at most 1.5 thresholds after it began (stall-clock.ts). A look every half
 * threshold, as before, caught it no sooner and woke the thread twice as often.
 *
 * It asks only once the main thread has run for half the threshold in the quiet stretch (its
 * schedstat, read from here at each look; the stretch is counted from the last look before it): a
 * worker the OS is not running (other processes, a throttled CPU quota) has no blocking code to
 * catch, and the probe would cost the starved thread more. Probes come from a bucket of PROBE_BURST
 * that refills one every PROBE_GAP_MS: a loop that stalls again and again is probed about twice a
 * second (the warnings that carry the stacks are one per route every 10 s), while a stall that
 * follows another closely still gets its own stack. A plain gap of PROBE_GAP_MS between probes
 * missed the second of two stalls 80 ms apart: its probe could go only in its last tens of ms, and
 * landed after it (test/ops/loop-stalls.test.ts, on a fast machine).
 */
import { Session } from 'node:inspector'
import { openSchedstat } from './schedstat.js'

import { STALL_BUSY, STALL_SEEN_AT, stallClockInterval } from './stall-clock.js'
// In every Node corral supports; TypeScript declares it only from its ES2024 lib.
const { waitAsync } = Atomics as unknown as { waitAsync(a: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string } }
const PROBE_EXPRESSION = (clock: number) => `globalThis[Symbol.for('corral.stallProbe')]?.(${clock})`

const PROBE_GAP_MS = 500
const PROBE_BURST = 2

/**
 * `mainTimeOrigin`: the main thread's performance.timeOrigin, to read its times on this thread's
 * clock. Each look arms one setTimeout for the next: as cheap as an interval timer per wakeup, and
 * a timers/promises sleep per look cost several times more (bench/micro/thread-wakeups.ts).
 */
export function watchStalls(shared: Int32Array, thresholdMs: number, mainTimeOrigin: number): void {
  // Connected at the first stall that needs a stack, not at start: a worker whose loop never
  // stalls then never has an inspector session attached to its main thread.
  let session: Session | undefined
  // The main thread's task id is the process id.
  const main = openSchedstat(`/proc/self/task/${process.pid}/schedstat`)
  const interval = stallClockInterval(thresholdMs)
  const offset = performance.timeOrigin - mainTimeOrigin
  /** The main thread's performance.now() as STALL_SEEN_AT holds it: whole ms, 32 bits. */
  const mainNow = (): number => (performance.now() + offset) | 0
  let probed: number | undefined
  let tokens = PROBE_BURST
  let refilledAt = performance.now()
  // How long the main thread had run on a CPU at the previous look, and at the last look before
  // its latest sign of life (`quietSeen`): what it ran since then is what it ran in the quiet stretch.
  let prevRanNs = 0
  let quietSeen = NaN
  let quietRanNs = 0

  const look = (): void => {
    if (Atomics.load(shared, STALL_BUSY) === 0) return sleepUntilBusy()
    const seen = Atomics.load(shared, STALL_SEEN_AT)
    const wait = interval + thresholdMs - ((mainNow() - seen) | 0)
    const ran = main?.runningNs() ?? 0
    if (seen !== quietSeen) { quietSeen = seen; quietRanNs = prevRanNs }
    prevRanNs = ran
    // Look again when a stall would be certain (a running loop moves the time first), or, past
    // that, a threshold on; not before this stall's probe has gone, or while it is not yet certain.
    arm(wait > 0 ? wait : thresholdMs)
    if (wait > 0 || probed === seen) return
    const t = performance.now()
    tokens = Math.min(PROBE_BURST, tokens + (t - refilledAt) / PROBE_GAP_MS)
    refilledAt = t
    if (tokens < 1 || (main && (ran - quietRanNs) / 1e6 < thresholdMs / 2)) return
    probed = seen
    tokens -= 1
    if (!session) {
      session = new Session()
      session.connectToMainThread()
    }
    session.post('Runtime.evaluate', { expression: PROBE_EXPRESSION(seen) }, () => {})
  }

  const arm = (ms: number): void => { setTimeout(look, ms) }

  // The main thread wrote the time before it said so: nothing to look at before then.
  const busy = (): void => {
    prevRanNs = main?.runningNs() ?? 0
    arm(interval + thresholdMs)
  }

  // Nothing in flight: sleep until the main thread says otherwise, instead of polling.
  const sleepUntilBusy = (): void => {
    const wait = waitAsync(shared, STALL_BUSY, 0)
    if (wait.async) void (wait.value as Promise<string>).then(busy)
    else busy()
  }

  sleepUntilBusy()
}
