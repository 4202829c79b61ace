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
 * quota) has no blocking code to catch, and the probe would cost the starved thread more. Nor more
 * often than every PROBE_GAP_MS: the warnings that carry the stacks are one per route every 10 s.
 */
import { Session } from 'node:inspector'
import { setTimeout as sleep } from 'node:timers/promises'
import { openSchedstat } from './schedstat.js'

import { STALL_BUSY, STALL_COUNTER } from './stall-clock.js'
// In every Node corral supports; TypeScript declares it only from its ES2024 lib.
const { waitAsync } = Atomics as unknown as { waitAsync(a: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string } }
const PROBE_EXPRESSION = (clock: number) => `globalThis[Symbol.for('corral.stallProbe')]?.(${clock})`

const PROBE_GAP_MS = 500

export async function watchStalls(shared: Int32Array, thresholdMs: number): Promise<void> {
  const session = new Session()
  session.connectToMainThread()
  // The main thread's task id is the process id.
  const main = openSchedstat(`/proc/self/task/${process.pid}/schedstat`)
  const step = Math.max(5, Math.floor(thresholdMs / 4))
  let last = Atomics.load(shared, STALL_COUNTER)
  let since = performance.now()
  let probed = -1
  let probedAt = -Infinity
  let quietFrom: number | undefined
  for (;;) {
    if (Atomics.load(shared, STALL_BUSY) === 0) {
      // Nothing in flight: sleep until the main thread says otherwise, instead of polling.
      const wait = waitAsync(shared, STALL_BUSY, 0)
      if (wait.async) await wait.value
      last = Atomics.load(shared, STALL_COUNTER)
      since = performance.now()
      continue
    }
    await sleep(step)
    const now = Atomics.load(shared, STALL_COUNTER)
    const t = performance.now()
    if (now !== last) {
      last = now
      since = t
      quietFrom = undefined
      continue
    }
    if (probed === now) continue
    // The quiet stretch's first look: how long the main thread had run on a CPU by then.
    if (quietFrom === undefined) { quietFrom = main?.runningNs() ?? 0; continue }
    if (t - since < thresholdMs || t - probedAt < PROBE_GAP_MS) continue
    if (main && (main.runningNs() - quietFrom) / 1e6 < thresholdMs / 2) continue
    probed = now
    probedAt = t
    session.post('Runtime.evaluate', { expression: PROBE_EXPRESSION(now) }, () => {})
  }
}
