/**
 * How long the kernel has held this process's cgroup back for its CPU quota (CFS bandwidth
 * throttling), read from cpu.stat. The stall detector needs it beside the main thread's schedstat:
 * when a quota runs out, the main thread is often not waiting on a run queue but asleep on a
 * sibling thread that is throttled (a GC helper it joins), and that sleep shows in neither its CPU
 * time nor its wait for a CPU. Without this, a throttled worker's stall looked like its code's
 * (seen: 3009 ms, 2439 ms of it waiting, the other ~570 ms asleep while the quota was spent).
 *
 * Two counters, because neither is enough alone: throttled time (v1 throttled_time in ns, v2
 * throttled_usec) leaves out a throttle that began while the group had nothing queued (the kernel
 * does not count those; seen: a 497 ms sleep, one 500 ms period, with 0 ms counted), and the
 * count of throttled periods (nr_throttled) says only that a period ended throttled. The reader
 * returns the larger of the two estimates: an upper bound on the time the group was held, which the
 * caller caps by the stall's own sleep.
 *
 * The groups read: the process's own cgroup (whose quota may be set or changed after the worker
 * starts) and each ancestor that has a quota when it starts (a Kubernetes pod's limit above its
 * container's). Each group's estimate is its own; the largest is taken, not the sum, as a nested
 * quota throttles the same time twice. Files stay open and are re-read at offset 0 (a few µs); the
 * period is read only when a throttled period was counted. The groups are found once, when the
 * worker starts: a process moved to another cgroup later keeps reading the first. Outside Linux or
 * without a CPU controller there is no reader.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs'
import { join } from 'node:path'

/** One reading of the groups' counters, to subtract from a later one. */
export type ThrottleReading = readonly { ns: number; periods: number }[]

export interface CpuThrottle {
  read(): ThrottleReading
  /** Milliseconds the cgroup (or an ancestor) was at most held by its quota between two readings. */
  heldMs(from: ThrottleReading, to: ThrottleReading): number
}

const ROOT = '/sys/fs/cgroup'

const text = (path: string) => {
  try { return readFileSync(path, 'latin1') } catch { return undefined }
}

interface Group {
  stat: () => { ns: number; periods: number }
  /** The quota's period in ms, read when needed (NaN when there is none). */
  periodMs: () => number
  hasQuota: () => boolean
}

/** A group's cpu.stat kept open, or undefined where it has no throttling counters. */
function group(dir: string, v2: boolean): Group | undefined {
  let fd: number
  try { fd = openSync(join(dir, 'cpu.stat'), 'r') } catch { return undefined }
  const buf = Buffer.alloc(1024)
  const stat = () => {
    let s: string
    try { s = buf.toString('latin1', 0, readSync(fd, buf, 0, buf.length, 0)) } catch { return { ns: NaN, periods: NaN } }
    const ns = v2 ? Number(/^throttled_usec (\d+)$/m.exec(s)?.[1] ?? NaN) * 1000 : Number(/^throttled_time (\d+)$/m.exec(s)?.[1] ?? NaN)
    return { ns, periods: Number(/^nr_throttled (\d+)$/m.exec(s)?.[1] ?? NaN) }
  }
  if (!Number.isFinite(stat().periods)) { closeSync(fd); return undefined }
  const quota = (): [number, number] => {
    if (v2) {
      const [q, p] = (text(join(dir, 'cpu.max')) ?? 'max').trim().split(/\s+/)
      return [q === 'max' ? -1 : Number(q), Number(p)]
    }
    return [Number(text(join(dir, 'cpu.cfs_quota_us'))), Number(text(join(dir, 'cpu.cfs_period_us')))]
  }
  return {
    stat,
    periodMs: () => quota()[1] / 1000,
    hasQuota: () => quota()[0] > 0,
  }
}

function ancestors(path: string): string[] {
  const out: string[] = []
  let p = path.replace(/\/+$/, '') || '/'
  for (;;) {
    out.push(p)
    if (p === '/') return out
    p = p.slice(0, p.lastIndexOf('/')) || '/'
  }
}

/** The groups to read: the process's own, then each ancestor with a quota. */
function groups(): Group[] {
  const cgroups = text('/proc/self/cgroup') ?? ''
  for (const line of cgroups.split('\n')) {
    const [, controllers, path] = line.split(':')
    if (path === undefined || !controllers.split(',').includes('cpu')) continue
    // v1: the cpu controller's hierarchy, mounted alone or with cpuacct.
    for (const mount of [controllers, 'cpu,cpuacct', 'cpuacct,cpu', 'cpu']) {
      const found = pick(join(ROOT, mount), path, false)
      if (found.length) return found
    }
  }
  const v2 = /^0::(.*)$/m.exec(cgroups)
  return v2 ? pick(ROOT, v2[1]!, true) : []
}

function pick(root: string, path: string, v2: boolean): Group[] {
  const [own, ...above] = ancestors(path).map((p) => group(join(root, p), v2))
  if (!own) return []
  return [own, ...above.filter((g): g is Group => g !== undefined && g.hasQuota())]
}

export function openCpuThrottle(): CpuThrottle | undefined {
  const all = groups()
  if (all.length === 0) return undefined
  return {
    read: () => all.map((g) => g.stat()),
    heldMs: (from, to) => {
      let held = 0
      all.forEach((g, i) => {
        const ns = (to[i]!.ns - from[i]!.ns) / 1e6
        const periods = to[i]!.periods - from[i]!.periods
        // A failed read on either side (NaN) adds nothing: the time counts as the code's.
        held = Math.max(held, ns || 0, periods > 0 ? periods * g.periodMs() || 0 : 0)
      })
      return held
    },
  }
}
