/**
 * The watchdog thread's half of stall attribution (stalls.ts has the main thread's). The main
 * thread writes the time it last saw its loop run into shared memory, and says whether requests
 * are in flight. While they are, this thread looks at that time once a step (three quarters of the
 * threshold, stall-clock.ts). When it has not moved for most of a step, the thread asks the main
 * thread for a sign of life, a message its loop answers on its next turn (stalls.ts), and looks
 * again a step later: a loop that is free but has no request starting or ending (one long request
 * in flight, or many short turns of code) answers each time, every step, under the threshold. Under load the time
 * moves between looks and nothing is asked: the main thread is not woken for the detector at all.
 *
 * An ask unanswered for the threshold is a loop held that long: then this thread asks the main
 * thread, through the inspector, to evaluate the stall probe. V8 runs the evaluation at the blocked
 * code's next interrupt check, so the probe's stack is the blocked code's. No debugger is enabled
 * for it (no script list to send, no pause): one Runtime.evaluate, a few ms. A stall is caught at
 * most a step plus the threshold (1.75 thresholds) after it began.
 *
 * It probes only once the main thread has run for half the threshold since the ask (its
 * schedstat, read from here at the ask and at the probe): a worker the OS is not running (other
 * processes, a throttled CPU quota) has no blocking code to catch, and the probe would cost the
 * starved thread more. Probes come from a bucket of PROBE_BURST
 * that refills one every PROBE_GAP_MS: a loop that stalls again and again is probed about twice a
 * second (the warnings that carry the stacks are one per route every 10 s), while a stall that
 * follows another closely still gets its own stack. A plain gap of PROBE_GAP_MS between probes
 * missed the second of two stalls 80 ms apart: its probe could go only in its last tens of ms, and
 * landed after it (test/ops/loop-stalls.test.ts, on a fast machine).
 */
import { Session } from 'node:inspector'
import type { MessagePort } from 'node:worker_threads'
import { openSchedstat } from './schedstat.js'
import { STALL_BUSY, STALL_SEEN_AT, stallStep } from './stall-clock.js'
// In every Node corral supports; TypeScript declares it only from its ES2024 lib.
const { waitAsync } = Atomics as unknown as { waitAsync(a: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string } }
const PROBE_EXPRESSION = (clock: number) => `globalThis[Symbol.for('corral.stallProbe')]?.(${clock})`

const PROBE_GAP_MS = 500
const PROBE_BURST = 2

/**
 * `mainTimeOrigin`: the main thread's performance.timeOrigin, to read its times on this thread's
 * clock; `asks`: where to ask the main thread for a sign of life. Each look arms one setTimeout for
 * the next: as cheap as an interval timer per wakeup, and a timers/promises sleep per look cost
 * several times more (bench/micro/thread-wakeups.ts).
 */
export function watchStalls(shared: Int32Array, thresholdMs: number, mainTimeOrigin: number, asks: MessagePort): void {
  // Connected at the first stall that needs a stack, not at start: a worker whose loop never
  // stalls then never has an inspector session attached to its main thread.
  let session: Session | undefined
  // The main thread's task id is the process id.
  const main = openSchedstat(`/proc/self/task/${process.pid}/schedstat`)
  const step = stallStep(thresholdMs)
  // Ask once the time has stood still for most of a step: the look after an ask comes a step later,
  // and a loop that answered at once has stood still a step less the answer's delivery by then.
  const askAfter = Math.round(step * 3 / 4)
  const offset = performance.timeOrigin - mainTimeOrigin
  /** The main thread's performance.now() as STALL_SEEN_AT holds it: whole ms, 32 bits. */
  const mainNow = (): number => (performance.now() + offset) | 0
  let probed: number | undefined
  let tokens = PROBE_BURST
  let refilledAt = performance.now()
  // The sign of life last asked after, when (this thread's clock), and how long the main thread
  // had run on a CPU then: what it ran since is what it ran while the ask went unanswered.
  let asked: number | undefined
  let askedAt = 0
  let askedRanNs = 0

  const look = (): void => {
    if (Atomics.load(shared, STALL_BUSY) === 0) return sleepUntilBusy()
    const seen = Atomics.load(shared, STALL_SEEN_AT)
    const age = (mainNow() - seen) | 0
    // The loop ran a moment ago: look again when it may have stood still for a step.
    if (age < askAfter) return arm(step - age)
    const t = performance.now()
    if (asked !== seen) {
      asked = seen
      askedAt = t
      askedRanNs = main?.runningNs() ?? 0
      asks.postMessage(0)
      return arm(step)
    }
    // Unanswered: held since the ask at least. Look again when that makes a stall certain, or,
    // past that, a threshold on; not before this stall's probe has gone.
    const held = t - askedAt
    if (held < thresholdMs) return arm(thresholdMs - held)
    arm(thresholdMs)
    if (probed === seen) return
    tokens = Math.min(PROBE_BURST, tokens + (t - refilledAt) / PROBE_GAP_MS)
    refilledAt = t
    if (tokens < 1 || (main && ((main.runningNs() - askedRanNs) / 1e6) < thresholdMs / 2)) return
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
  const busy = (): void => { arm(step) }

  // Nothing in flight: sleep until the main thread says otherwise, instead of polling.
  const sleepUntilBusy = (): void => {
    const wait = waitAsync(shared, STALL_BUSY, 0)
    if (wait.async) void (wait.value as Promise<string>).then(busy)
    else busy()
  }

  sleepUntilBusy()
}
