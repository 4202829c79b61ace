/**
 * The memory the stall detector (stalls.ts, main thread) and the watchdog thread (stall-probe.ts)
 * share: an Int32Array over a SharedArrayBuffer. Its own file, so the main thread does not load
 * the watchdog side (node:inspector) to learn two numbers.
 */
/** Moves whenever the main thread sees its loop run (a request starts or ends, the clock ticks). */
export const STALL_COUNTER = 0
/** 1 while requests are in flight (the clock runs), 0 when idle: the watchdog sleeps on it. */
export const STALL_BUSY = 1
export const STALL_SLOTS = 2
/** The main thread's probe function, called with the clock value it was taken at. */
export const STALL_PROBE = Symbol.for('corral.stallProbe')
