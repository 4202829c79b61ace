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
  /** Requests sent within BENCH_WRK_SEND_MS (-1 without it). */
  sent: number
}

export function runWrk(bin: string, load: ClosedLoad): Promise<LoadResult> {
  // Two threads on a small machine; more on a big one, where two could not keep many workers busy.
  const threads = Math.min(load.connections, Math.max(2, Math.floor(availableParallelism() / 4)))
  const graceS = load.graceS ?? 0
  const args = ['-t', String(threads), '-c', String(load.connections), '-d', `${load.durationS + graceS}s`,
    '--timeout', `${load.timeoutS}s`, '-s', script, load.url]
  const env = { ...process.env, ...load.env, ...(graceS > 0 ? { BENCH_WRK_SEND_MS: String(load.durationS * 1000) } : {}) }
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d })
    child.stderr.on('data', (d: Buffer) => { out += d })
    // wrk stops itself after -d; the guard only catches a wrk that hangs.
    const guard = setTimeout(() => child.kill('SIGKILL'), (load.durationS + graceS + load.timeoutS + 10) * 1000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(guard)
      const line = out.split('\n').find((l) => l.startsWith('{"requests"'))
      if (line === undefined) return reject(new Error(`wrk exited ${code} without a summary: ${out.trim().slice(-400)}`))
      const s = JSON.parse(line) as WrkSummary
      const errors = s.connect + s.read + s.write + s.status + s.timeout
      // wrk counts a non-2xx answer in `requests` and in errors.status; rps counts only successes.
      const okShare = s.requests > 0 ? Math.max(0, s.requests - s.status) / s.requests : 0
      // With a grace period, the answers within the window are the requests sent in it less the
      // first one on each connection (each later one followed an answer), as wrk counts without.
      const durationS = graceS > 0 ? load.durationS : s.duration_us / 1e6
      const answered = graceS > 0 ? Math.max(0, s.sent - load.connections) : s.requests
      resolve({
        requests: s.requests, errors, durationS, rps: (answered * okShare) / durationS,
        meanMs: s.mean_us / 1000, p50Ms: s.p50_us / 1000, p99Ms: s.p99_us / 1000, maxMs: s.max_us / 1000,
      })
    })
  })
}
