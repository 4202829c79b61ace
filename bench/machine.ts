/**
 * The machine a run happened on, recorded with its results: figures from a 2-core laptop and a
 * 64-core server are different facts, and a reader must be able to tell which is which.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism, cpus, release, totalmem, type as osType } from 'node:os'
import { join } from 'node:path'
import { cpuBudget } from '../src/config/cpus.js'

export interface Machine {
  cores: number
  /** CPUs this process may use (cgroup quota and affinity), as corral's `--workers auto` counts them. */
  usableCpus: number
  cpuModel: string
  memoryGiB: number
  os: string
  /** The Node running the bench (load generator, report). */
  node: string
  /** The Node the servers ran on (--node; the same as `node` unless given). */
  serverNode: { path: string; version: string }
  packages: Record<string, string>
  loadGenerator: string
}

const version = (root: string, name: string): string => {
  try {
    const req = createRequire(join(root, 'package.json'))
    return (JSON.parse(readFileSync(req.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version
  } catch { return 'absent' }
}

export function wrkBinary(): string | undefined {
  const bin = process.env.BENCH_WRK ?? 'wrk'
  const r = spawnSync(bin, ['-v'], { encoding: 'utf8', timeout: 5000 })
  // wrk -v prints its banner and exits 1; a missing binary gives an error instead.
  return r.error === undefined && /wrk/.test(`${r.stdout}${r.stderr}`) ? bin : undefined
}

/** `node -v` of a Node binary. */
export function nodeVersion(bin: string): string {
  if (bin === process.execPath) return process.version
  const r = spawnSync(bin, ['-v'], { encoding: 'utf8', timeout: 10_000 })
  return r.stdout.trim() || 'unknown'
}

export function describeMachine(root: string, loadGenerator: string, serverNode = { path: process.execPath, version: process.version }): Machine {
  return {
    cores: cpus().length,
    usableCpus: (() => { try { return cpuBudget().cpus } catch { return availableParallelism() } })(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()}`,
    node: process.version,
    serverNode,
    packages: Object.fromEntries(['undici', 'pm2', 'autocannon', 'tsx'].map((n) => [n, version(root, n)])),
    loadGenerator,
  }
}

export function wrkVersion(bin: string): string {
  const r = spawnSync(bin, ['-v'], { encoding: 'utf8', timeout: 5000 })
  return `${r.stdout}${r.stderr}`.split('\n')[0]?.replace(/\s+Copyright.*$/, '').trim() ?? bin
}
