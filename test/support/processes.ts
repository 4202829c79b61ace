/**
 * Whether a process still runs, for tests that watch processes end. `kill(pid, 0)` alone succeeds
 * on a zombie: a process that has exited and waits for its parent to collect it. An orphan's parent
 * is PID 1, and not every PID 1 collects at once (in a container it may be a program that does so
 * every few seconds, or late under load), so a process that exited long ago could read as alive.
 * On Linux its state in /proc says which; elsewhere signal 0 is all there is.
 */
import { readFileSync } from 'node:fs'
import { statFields } from '../../bench/process-cpu.js'

/** The state letter from /proc/PID/stat (R, S, D, Z, …), or undefined where there is none. */
const state = (pid: number): string | undefined => statFields(pid)?.[0]

/** True while `pid` runs: it exists and has not exited (a zombie has). */
export function running(pid: number): boolean {
  try { process.kill(pid, 0) } catch { return false }
  const s = state(pid)
  return s !== 'Z' && s !== 'X'
}

/** A line for an assertion message: what `pid` is doing now, to tell a stuck process from a slow one. */
export function describeProcess(pid: number): string {
  const s = state(pid)
  if (s === undefined) return `${pid}: gone`
  let wchan = '?'
  let cmd = '?'
  try { wchan = readFileSync(`/proc/${pid}/wchan`, 'utf8') || '-' } catch { /* not readable here */ }
  try { cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim() } catch { /* gone meanwhile */ }
  return `${pid}: state ${s}, waiting in ${wchan}, ${cmd}`
}
