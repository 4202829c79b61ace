/**
 * How many CPUs this process may really use. In a container the host's core count lies: a pod
 * limited to 1.5 CPUs on a 64-core node would start 64 workers and be throttled into the ground.
 * We read the cgroup CPU quota (v2 `cpu.max`, v1 `cpu.cfs_quota_us / cpu.cfs_period_us`) of this
 * process's cgroup and of each ancestor, take the smallest, and cap it by the affinity-aware
 * `os.availableParallelism()`.
 *
 * `CORRAL_CGROUP_ROOT` moves the cgroup mount point (default /sys/fs/cgroup); it exists so tests can
 * show the v2 path on machines that mount only v1, the one OS boundary a test cannot arrange.
 */
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'

export interface CpuBudget {
  /** CPUs usable, possibly fractional (a quota of 150000/100000 is 1.5). */
  cpus: number
  /** Where the number came from, for the startup log. */
  source: string
}

const read = (path: string) => {
  try { return readFileSync(path, 'utf8').trim() } catch { return undefined }
}

function* ancestors(path: string): Generator<string> {
  let p = path.replace(/\/+$/, '') || '/'
  while (true) {
    yield p
    if (p === '/') return
    p = p.slice(0, p.lastIndexOf('/')) || '/'
  }
}

function quotaV2(root: string, path: string): number | undefined {
  let best: number | undefined
  for (const dir of ancestors(path)) {
    const [quota, period] = (read(join(root, dir, 'cpu.max')) ?? 'max').split(/\s+/)
    if (quota !== 'max' && Number(period) > 0) best = Math.min(best ?? Infinity, Number(quota) / Number(period))
  }
  return best
}

function quotaV1(root: string, controllers: string, path: string): number | undefined {
  const mounts = [controllers, 'cpu,cpuacct', 'cpuacct,cpu', 'cpu']
  let best: number | undefined
  for (const mount of mounts) {
    for (const dir of ancestors(path)) {
      const quota = Number(read(join(root, mount, dir, 'cpu.cfs_quota_us')))
      const period = Number(read(join(root, mount, dir, 'cpu.cfs_period_us')))
      if (quota > 0 && period > 0) best = Math.min(best ?? Infinity, quota / period)
    }
    if (best !== undefined) return best
  }
  return best
}

export function cpuBudget(env: NodeJS.ProcessEnv = process.env): CpuBudget {
  const host = availableParallelism()
  const root = env.CORRAL_CGROUP_ROOT ?? '/sys/fs/cgroup'
  let quota: number | undefined
  let kind = ''
  for (const line of (read(env.CORRAL_CGROUP_ROOT ? join(root, 'self.cgroup') : '/proc/self/cgroup') ?? '').split('\n')) {
    const [, controllers, path] = line.split(':')
    if (path === undefined) continue
    if (controllers === '') {
      const q = quotaV2(root, path)
      if (q !== undefined) { quota = Math.min(quota ?? Infinity, q); kind = 'cgroup v2 cpu.max' }
    } else if (controllers.split(',').includes('cpu')) {
      const q = quotaV1(root, controllers, path)
      if (q !== undefined) { quota = Math.min(quota ?? Infinity, q); kind = 'cgroup v1 cpu.cfs_quota_us' }
    }
  }
  if (quota !== undefined && quota < host) {
    return { cpus: Math.round(quota * 100) / 100, source: `${kind} quota of ${Math.round(quota * 100) / 100} CPUs` }
  }
  return { cpus: host, source: `${host} CPUs available to this process` }
}
