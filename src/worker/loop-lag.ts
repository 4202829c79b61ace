/**
 * Event-loop lag as a heartbeat reports it: how late the loop ran timers that were due, averaged
 * over one beat. About 0 on an idle loop; a handler that blocks for 800 ms shows hundreds of ms.
 *
 * Two traps in monitorEventLoopDelay (measured on Node 20, 22, 24 and 26):
 * - each sample is the time between two ticks of its native timer, so it includes the timer's own
 *   interval: an idle loop read 50 ms at a 50 ms resolution. The interval is taken off here.
 * - reset() forgets when the last tick was, so the interval after each reset is never recorded: a
 *   block that ran across a beat went unseen. So the histogram is never reset; each beat reads
 *   what was added since the last one (count and sum are cumulative; the sum, mean × count, is
 *   exact to well under a nanosecond in a double for years of samples).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'

export interface LoopLag {
  /** Mean lateness in ms of the timer ticks since the last take(); 0 when none ticked. */
  take(): number
  stop(): void
}

export function startLoopLag(resolutionMs: number): LoopLag {
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs })
  histogram.enable()
  let count = 0
  let sumNs = 0

  return {
    take() {
      const nowCount = histogram.count
      const nowSum = nowCount > 0 ? histogram.mean * nowCount : 0
      const ticks = nowCount - count
      const meanNs = ticks > 0 ? (nowSum - sumNs) / ticks : 0
      count = nowCount
      sumNs = nowSum
      // A beat with no tick (the loop was blocked throughout) reports its lag with the next beat.
      return ticks > 0 ? Math.max(0, meanNs / 1e6 - resolutionMs) : 0
    },
    stop() {
      histogram.disable()
    },
  }
}
