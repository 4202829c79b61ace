/**
 * Closed-loop load with wrk (Debian's /usr/bin/wrk): `connections` clients each send a request,
 * wait for the answer, and send the next, as the seeds' `ab -c` and `wrk -c` runs did. wrk is in C
 * and costs the 2-core machine far less CPU than a Node generator would at the same rate.
 */
import { spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { ClosedLoad, LoadResult } from './result.js'

const script = fileURLToPath(new URL('./wrk-report.lua', import.meta.url))

interface WrkSummary {
  requests: number; duration_us: number; connect: number; read: number; write: number
  status: number; timeout: number; mean_us: number; p50_us: number; p99_us: number; max_us: number
}

export function runWrk(bin: string, load: ClosedLoad): Promise<LoadResult> {
  // Two threads on a small machine; more on a big one, where two could not keep many workers busy.
  const threads = Math.min(load.connections, Math.max(2, Math.floor(availableParallelism() / 4)))
  const args = ['-t', String(threads), '-c', String(load.connections), '-d', `${load.durationS}s`,
    '--timeout', `${load.timeoutS}s`, '-s', script, load.url]
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...load.env } })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d })
    child.stderr.on('data', (d: Buffer) => { out += d })
    // wrk stops itself after -d; the guard only catches a wrk that hangs.
    const guard = setTimeout(() => child.kill('SIGKILL'), (load.durationS + load.timeoutS + 10) * 1000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(guard)
      const line = out.split('\n').find((l) => l.startsWith('{"requests"'))
      if (line === undefined) return reject(new Error(`wrk exited ${code} without a summary: ${out.trim().slice(-400)}`))
      const s = JSON.parse(line) as WrkSummary
      const durationS = s.duration_us / 1e6
      const errors = s.connect + s.read + s.write + s.status + s.timeout
      // wrk counts a non-2xx answer in `requests` and in errors.status; rps counts only successes.
      const ok = Math.max(0, s.requests - s.status)
      resolve({
        requests: s.requests, errors, durationS, rps: ok / durationS,
        meanMs: s.mean_us / 1000, p50Ms: s.p50_us / 1000, p99Ms: s.p99_us / 1000, maxMs: s.max_us / 1000,
      })
    })
  })
}
