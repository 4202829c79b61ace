/**
 * What the stall detector (stalls.ts, main thread) and the watchdog thread (stall-probe.ts) share:
 * an Int32Array over a SharedArrayBuffer, and the clock's interval. Its own file, so the main
 * thread does not load the watchdog side (node:inspector) to learn them.
 */
/**
 * When the main thread last saw its loop run (a request started or ended, the clock ticked): its
 * performance.now() in whole ms, wrapped to 32 bits (compare two with `(a - b) | 0`).
 */
export const STALL_SEEN_AT = 0
/** 1 while requests are in flight (the clock runs), 0 when idle: the watchdog sleeps on it. */
export const STALL_BUSY = 1
export const STALL_SLOTS = 2
/** The main thread's probe function, called with the STALL_SEEN_AT it was asked at. */
export const STALL_PROBE = Symbol.for('corral.stallProbe')

/**
 * The stall clock ticks every half threshold while the loop runs without other signs of life. That
 * bounds both halves of the detector: a stall is caught in the act (for its stack) once it has
 * lasted the threshold, at most 1.5 thresholds after it began, and its measured length is long by
 * at most one step of the clock (stalls.ts). Ticking more often buys precision nobody reads and costs a
 * wakeup per tick: see docs/operations.md, Loop stalls.
 */
export function stallClockInterval(thresholdMs: number): number {
  return Math.max(5, Math.min(250, Math.round(thresholdMs / 2)))
}

/**
 * The clock's longer step, taken after a step in which requests started or ended: each was a sign
 * of life, and a tick among them is a wakeup of a loop that would otherwise sleep, about 0.2 ms of
 * CPU on the 2-core development VM. It stays under the threshold: when the requests stop and the
 * loop runs on in many short turns with no sign of life, it must still tick before they add up to a
 * stall.
 */
export function stallClockRelaxed(thresholdMs: number): number {
  return Math.max(stallClockInterval(thresholdMs), Math.round(thresholdMs * 3 / 4))
}
