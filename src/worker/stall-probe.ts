/**
 * The watchdog thread's half of stall attribution (stalls.ts has the main thread's). The main
 * thread moves a clock in shared memory whenever it sees its loop run, and says whether requests
 * are in flight. When the clock stands still for the stall threshold while they are, this thread
 * asks the main thread, through the inspector, to evaluate the stall probe: V8 runs the evaluation
 * at the blocked code's next interrupt check, so the probe's stack is the blocked code's. No
 * debugger is enabled for it (no script list to send, no pause): one Runtime.evaluate, a few ms.
 *
 * It asks only once the main thread has run for half the threshold in the quiet stretch (its
 * schedstat, read from here): a worker the OS is not running (other processes, a throttled CPU
 * quota) has no blocking code to catch, and the probe would cost the starved thread more. Probes
 * come from a bucket of PROBE_BURST that refills one every PROBE_GAP_MS: a loop that stalls again
 * and again is probed about twice a second (the warnings that carry the stacks are one per route
 * every 10 s), while a stall that follows another closely still gets its own stack. A plain gap of
 * PROBE_GAP_MS between probes missed the second of two stalls 80 ms apart: its probe could go only
 * in its last tens of ms, and landed after it (test/ops/loop-stalls.test.ts, on a fast machine).
 */
import { Session } from 'node:inspector'
import { openSchedstat } from './schedstat.js'

import { STALL_BUSY, STALL_COUNTER } from './stall-clock.js'
// In every Node corral supports; TypeScript declares it only from its ES2024 lib.
const { waitAsync } = Atomics as unknown as { waitAsync(a: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string } }
const PROBE_EXPRESSION = (clock: number) => `globalThis[Symbol.for('corral.stallProbe')]?.(${clock})`

const PROBE_GAP_MS = 500
const PROBE_BURST = 2

/**
 * While requests are in flight the thread looks every `step` ms, on one interval timer: a
 * timers/promises sleep per look cost several times more (a promise, an abort-aware timer each
 * time: 27–56 ms of CPU a second at a 12 ms step on the 2-core development VM, against 11 for the
 * interval; bench/micro/thread-wakeups.ts). When nothing is in flight it does not wake at all.
 */
export function watchStalls(shared: Int32Array, thresholdMs: number): void {
  // Connected at the first stall that needs a stack, not at start: a worker whose loop never
  // stalls then never has an inspector session attached to its main thread.
  let session: Session | undefined
  // The main thread's task id is the process id.
  const main = openSchedstat(`/proc/self/task/${process.pid}/schedstat`)
  // Half the threshold: a stall is caught in the act once it has lasted 1.5 thresholds at most.
  const step = Math.max(5, Math.floor(thresholdMs / 2))
  let last = 0
  let since = 0
  let probed = -1
  let tokens = PROBE_BURST
  let refilledAt = performance.now()
  let quietFrom: number | undefined
  let timer: NodeJS.Timeout | undefined

  const look = (): void => {
    if (Atomics.load(shared, STALL_BUSY) === 0) {
      clearInterval(timer)
      timer = undefined
      sleepUntilBusy()
      return
    }
    const now = Atomics.load(shared, STALL_COUNTER)
    const t = performance.now()
    if (now !== last) {
      last = now
      since = t
      quietFrom = undefined
      return
    }
    if (probed === now) return
    // The quiet stretch's first look: how long the main thread had run on a CPU by then.
    if (quietFrom === undefined) { quietFrom = main?.runningNs() ?? 0; return }
    if (t - since < thresholdMs) return
    tokens = Math.min(PROBE_BURST, tokens + (t - refilledAt) / PROBE_GAP_MS)
    refilledAt = t
    if (tokens < 1) return
    if (main && (main.runningNs() - quietFrom) / 1e6 < thresholdMs / 2) return
    probed = now
    tokens -= 1
    if (!session) {
      session = new Session()
      session.connectToMainThread()
    }
    session.post('Runtime.evaluate', { expression: PROBE_EXPRESSION(now) }, () => {})
  }

  const busy = (): void => {
    last = Atomics.load(shared, STALL_COUNTER)
    since = performance.now()
    quietFrom = undefined
    timer ??= setInterval(look, step)
  }

  // Nothing in flight: sleep until the main thread says otherwise, instead of polling.
  const sleepUntilBusy = (): void => {
    const wait = waitAsync(shared, STALL_BUSY, 0)
    if (wait.async) void (wait.value as Promise<string>).then(busy)
    else busy()
  }

  sleepUntilBusy()
}
