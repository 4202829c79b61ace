/**
 * Closed-loop load with autocannon (npm), used when wrk is not installed so `npm run bench` still
 * runs on a fresh machine. It runs in this Node process and so takes CPU from the servers on a
 * small machine: the report names the generator used.
 */
import autocannon from 'autocannon'
import type { ClosedLoad, LoadResult } from './result.js'

export async function runAutocannon(load: ClosedLoad): Promise<LoadResult> {
  const r = await autocannon({
    url: load.url, connections: load.connections, duration: load.durationS,
    timeout: load.timeoutS, pipelining: 1,
  })
  const durationS = r.duration
  const non2xx = r.non2xx ?? 0
  const ok = Math.max(0, r.requests.total - non2xx)
  return {
    requests: r.requests.total, errors: r.errors + r.timeouts + non2xx, durationS, rps: ok / durationS,
    meanMs: r.latency.mean, p50Ms: r.latency.p50, p99Ms: r.latency.p99, maxMs: r.latency.max,
  }
}
