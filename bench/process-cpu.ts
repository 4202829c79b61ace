/**
 * CPU time of a process group and of the whole machine, read from /proc. Used to show that the
 * upstream simulator was not the bottleneck, and how busy the machine was during a run.
 *
 * Each process we start is the leader of its own group (spawned detached), so "the server" or
 * "the upstream" is every live process whose pgrp is that leader's pid: workers included, whatever
 * the server's forking scheme. Linux only; elsewhere the figures read as undefined.
 */
import { readFileSync, readdirSync } from 'node:fs'

// USER_HZ is 100 on every Linux ABI Node supports (x86-64, arm64); /proc reports ticks of it.
const TICKS_PER_SECOND = 100

const read = (path: string) => {
  try { return readFileSync(path, 'utf8') } catch { return undefined }
}

/** Fields after the command name (which may itself hold spaces and parentheses). */
export function statFields(pid: number | string): string[] | undefined {
  const stat = read(`/proc/${pid}/stat`)
  if (stat === undefined) return undefined
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
}

/** Seconds of CPU (user + system) used so far by the live processes of group `pgid`. */
export function groupCpuSeconds(pgid: number): number | undefined {
  let names: string[]
  try { names = readdirSync('/proc') } catch { return undefined }
  let ticks = 0
  for (const name of names) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue
    const f = statFields(name)
    // f[0] is state, f[2] pgrp, f[11] utime, f[12] stime (fields 3, 5, 14, 15 of proc(5)).
    if (f === undefined || Number(f[2]) !== pgid) continue
    ticks += Number(f[11]) + Number(f[12])
  }
  return ticks / TICKS_PER_SECOND
}

/** Seconds of CPU (user + system) used so far by one process (all its threads); undefined once it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  const f = statFields(String(pid))
  return f === undefined ? undefined : (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND
}

/** The pids of group `pgid`'s live processes. */
export function groupPids(pgid: number): number[] {
  return livePids((f) => Number(f[2]) === pgid)
}

/** The pids of `ppid`'s live child processes (f[1] is the parent's pid). */
export function childPids(ppid: number): number[] {
  return livePids((f) => Number(f[1]) === ppid)
}

function livePids(match: (fields: string[]) => boolean): number[] {
  let names: string[]
  try { names = readdirSync('/proc') } catch { return [] }
  // A zombie has exited and only waits to be reaped: it holds no port and burns no CPU.
  return names.filter((n) => {
    if (!/^\d+$/.test(n)) return false
    const f = statFields(n)
    return f !== undefined && f[0] !== 'Z' && match(f)
  }).map(Number)
}

export interface MachineTicks { busy: number; total: number }

/** Aggregate CPU ticks of the machine, from the first line of /proc/stat. */
export function machineTicks(): MachineTicks | undefined {
  const line = read('/proc/stat')?.split('\n', 1)[0]
  if (line === undefined || !line.startsWith('cpu ')) return undefined
  const v = line.split(/\s+/).slice(1).map(Number)
  const idle = (v[3] ?? 0) + (v[4] ?? 0) // idle + iowait
  const total = v.reduce((a, b) => a + b, 0)
  return { busy: total - idle, total }
}

/** Fraction of all cores busy between two readings (0..1). */
export function busyFraction(a: MachineTicks | undefined, b: MachineTicks | undefined): number | undefined {
  if (a === undefined || b === undefined || b.total === a.total) return undefined
  return (b.busy - a.busy) / (b.total - a.total)
}
