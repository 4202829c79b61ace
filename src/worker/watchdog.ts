/**
 * Node cannot write a diagnostic report from a blocked event loop (--report-on-signal waits for
 * the loop), but a worker thread can: it shares a beat counter with the main thread, and when the
 * counter stops moving it connects the inspector to the main thread and pauses it. V8 honours the
 * pause at the next interrupt check inside the busy JavaScript, so the paused event carries the
 * stack of the code that is blocking. While paused it also asks the main thread which requests are in flight
 * (one may have arrived after the last beat). Both go to a file the arbiter reads when it kills
 * the worker. A loop blocked inside native code (a sync syscall) never reaches an interrupt check,
 * and then there is no stack to give.
 */
import { stuckReportFile } from '../ipc/stuck-report.js'
import { Worker, type MessagePort } from 'node:worker_threads'

const IN_FLIGHT = Symbol.for('corral.inFlight')
/** Evaluated in the paused main thread: the requests in flight, as JSON. */
export const IN_FLIGHT_EXPRESSION = `globalThis[Symbol.for('corral.inFlight')]?.()`

/** Let the watchdog see the requests in flight (as JSON text) when it pauses a blocked loop. */
export function exposeInFlight(list: () => unknown): void {
  (globalThis as Record<symbol, unknown>)[IN_FLIGHT] = () => JSON.stringify(list())
}

/**
 * `stuckMs`: when to save the stuck report (0: never). `stalls`: what the stall detector (stalls.ts)
 * shares with the thread, its threshold and the port the thread asks for signs of life on, for the
 * thread to watch the loop and take the stack of a stall (stall-probe.ts).
 */
export function startWatchdog(stuckMs: number, stalls?: { shared: Int32Array; thresholdMs: number; asks: MessagePort }): { tick(): void; stop(): Promise<void> } {
  const beats = new Int32Array(new SharedArrayBuffer(4))
  const thread = new Worker(new URL('./watchdog-thread.js', import.meta.url), {
    workerData: { beats: beats.buffer, stallMs: stuckMs, file: stuckReportFile(process.pid), stalls: stalls && { shared: stalls.shared.buffer, thresholdMs: stalls.thresholdMs, timeOrigin: performance.timeOrigin, asks: stalls.asks } },
    transferList: stalls ? [stalls.asks] : [],
    // The watchdog must not hold the process open, nor load the app's loaders.
    execArgv: [],
    resourceLimits: { maxOldGenerationSizeMb: 16 },
  })
  thread.unref()
  thread.on('error', () => {}) // a watchdog that fails must not take the worker down
  return {
    tick: () => { Atomics.add(beats, 0, 1) },
    // Resolves once the thread is gone, and its inspector sessions with it: a process that exits
    // with a session still connected to its main thread prints "Waiting for the debugger to
    // disconnect..." on its way out.
    stop: () => thread.terminate().then(() => undefined, () => undefined),
  }
}
