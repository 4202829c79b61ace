/**
 * Scheduler counters, in ms, from /proc/<pid>/task/<tid>/schedstat (nanoseconds on a CPU,
 * nanoseconds runnable but not running). /proc/<pid>/stat counts in clock ticks of 10 ms, too
 * coarse for a handler that costs 50 µs over a two-second window.
 *
 * A process's CPU is all its threads' (libuv's pool, the offload pool, the watchdog, the JIT and
 * the GC's helpers are its CPU too); what holds the event loop is the main thread's alone, and so
 * is the wait for a CPU that lengthens a request. A thread that ends inside a window takes its
 * share with it, which undercounts by at most that thread's work.
 */
import { readdirSync, readFileSync } from 'node:fs'

export interface CpuReading {
  /** Every thread's time on a CPU. */
  cpuMs: number
  /** The main thread's (the event loop's) time on a CPU, and runnable without one. */
  mainCpuMs: number
  mainWaitMs: number
}

const read = (path: string) => readFileSync(path, 'utf8').split(' ').map(Number) as [number, number]

export function processCpu(pid: number): CpuReading {
  let cpu = 0
  let tasks: string[]
  try { tasks = readdirSync(`/proc/${pid}/task`) } catch { return { cpuMs: NaN, mainCpuMs: NaN, mainWaitMs: NaN } }
  for (const tid of tasks) {
    try { cpu += read(`/proc/${pid}/task/${tid}/schedstat`)[0] } catch { /* a thread that ended */ }
  }
  const [mainRun, mainWait] = read(`/proc/${pid}/task/${pid}/schedstat`)
  return { cpuMs: cpu / 1e6, mainCpuMs: mainRun / 1e6, mainWaitMs: mainWait / 1e6 }
}

/** The calling thread's time on a CPU and waiting for one: the doctor's own load loop. */
export function ownBusyMs(): number {
  try {
    const [run, wait] = read('/proc/thread-self/schedstat')
    return (run + wait) / 1e6
  } catch { return 0 }
}
