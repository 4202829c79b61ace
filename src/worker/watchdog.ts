/**
 * Node cannot write a diagnostic report from a blocked event loop (--report-on-signal waits for
 * the loop), but a worker thread can: it shares a beat counter with the main thread, and when the
 * counter stops moving it connects the inspector to the main thread and pauses it. V8 honours the
 * pause at the next interrupt check inside the busy JavaScript, so the paused event carries the
 * stack of the code that is blocking. The stack goes to a file the arbiter reads when it kills
 * the worker. A loop blocked inside native code (a sync syscall) never reaches an interrupt check,
 * and then there is no stack to give.
 */
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'

export const stackFile = (pid: number) => join(tmpdir(), `corral-stuck-${pid}.txt`)

export function startWatchdog(stallMs: number): { tick(): void; stop(): void } {
  const beats = new Int32Array(new SharedArrayBuffer(4))
  const thread = new Worker(new URL('./watchdog-thread.js', import.meta.url), {
    workerData: { beats: beats.buffer, stallMs, file: stackFile(process.pid) },
    // The watchdog must not hold the process open, nor load the app's loaders.
    execArgv: [],
    resourceLimits: { maxOldGenerationSizeMb: 16 },
  })
  thread.unref()
  thread.on('error', () => {}) // a watchdog that fails must not take the worker down
  return {
    tick: () => { Atomics.add(beats, 0, 1) },
    stop: () => { void thread.terminate() },
  }
}
