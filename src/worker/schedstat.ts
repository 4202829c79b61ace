/**
 * A thread's scheduler counters on Linux (/proc/<task>/schedstat: nanoseconds on a CPU,
 * nanoseconds runnable but waiting for one, timeslices). The stall detector reads the main
 * thread's wait to tell a loop held by code from one the OS did not run; the watchdog thread reads
 * the same counter (by the main thread's task id) before it asks for a stack. The file stays open
 * and is read again from offset 0 (pread): a few µs a read. Elsewhere (macOS, a kernel without
 * schedstats) there is none, and stalls are not told apart.
 */
import { openSync, readSync } from 'node:fs'

export interface Schedstat {
  /** Nanoseconds the thread has been runnable but waiting for a CPU, since it started. */
  waitingNs(): number
  /** Nanoseconds it has run on a CPU, since it started. */
  runningNs(): number
  /** Both from one read. */
  times(): { runningNs: number; waitingNs: number }
}

/** `path`: /proc/thread-self/schedstat for the calling thread, /proc/self/task/<tid>/schedstat for another. */
export function openSchedstat(path = '/proc/thread-self/schedstat'): Schedstat | undefined {
  let fd: number
  try { fd = openSync(path, 'r') } catch { return undefined }
  const buf = Buffer.alloc(96)
  // NaN when a read fails: callers then know nothing, rather than a wait of zero.
  const fields = (): string[] => {
    try { return buf.toString('latin1', 0, readSync(fd, buf, 0, buf.length, 0)).split(' ') } catch { return [] }
  }
  const field = (i: number): number => Number(fields()[i] ?? NaN)
  if (!Number.isFinite(field(1))) return undefined
  return {
    waitingNs: () => field(1),
    runningNs: () => field(0),
    times: () => {
      const f = fields()
      return { runningNs: Number(f[0] ?? NaN), waitingNs: Number(f[1] ?? NaN) }
    },
  }
}
