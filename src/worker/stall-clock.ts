/**
 * What the stall detector (stalls.ts, main thread) and the watchdog thread (stall-probe.ts) share:
 * an Int32Array over a SharedArrayBuffer, and how long the loop may go without a sign of life. Its
 * own file, so the main thread does not load the watchdog side (node:inspector) to learn them.
 */
/**
 * When the main thread last saw its loop run (a request started or ended, it answered the
 * watchdog's ask): its performance.now() in whole ms, wrapped to 32 bits (compare two with `(a - b) | 0`).
 */
export const STALL_SEEN_AT = 0
/** 1 while requests are in flight (the watchdog watches), 0 when idle: the watchdog sleeps on it. */
export const STALL_BUSY = 1
export const STALL_SLOTS = 2
/** The main thread's probe function, called with the STALL_SEEN_AT it was asked at. */
export const STALL_PROBE = Symbol.for('corral.stallProbe')

/**
 * How long the loop may show no sign of life before the watchdog thread asks it for one (a message
 * the loop answers on its next turn), and how often the main thread marks its clock, its sleep and
 * its scheduler counters, from which a stall is measured and split (stalls.ts). Three quarters of the
 * threshold: under it, so a loop that runs on in short turns with no request starting or ending
 * answers before they add up to a stall (a quarter of the threshold is the margin for the ask's
 * delivery); as long as that allows, as each look of the watchdog and each answer is a wakeup of a
 * thread that would otherwise sleep, about 0.2 ms of CPU on the 2-core development VM. A stall's
 * measure is long by at most this (stalls.ts), and its stack is caught at most this plus the
 * threshold after it began (stall-probe.ts).
 */
export function stallStep(thresholdMs: number): number {
  return Math.max(5, Math.round(thresholdMs * 3 / 4))
}
