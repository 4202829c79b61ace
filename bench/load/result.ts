/** What one load run measured, whatever generated the load. Latencies in milliseconds. */
export interface LoadResult {
  /** Responses received (any status). */
  requests: number
  /** Failed requests: connect/read/write errors, timeouts and non-2xx statuses. */
  errors: number
  durationS: number
  rps: number
  meanMs: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** Open loop only: requests the schedule called for. */
  offered?: number
  /** Open loop only: p99 of how late the generator itself sent, to show it kept its schedule. */
  sendLagP99Ms?: number
}

export interface ClosedLoad {
  url: string
  connections: number
  durationS: number
  /** Per-request timeout, so a stalled server ends the run on time. */
  timeoutS: number
  /** Environment for the generator's script (wrk-report.lua reads BENCH_WRK_* to vary the requests). */
  env?: Record<string, string>
  /**
   * Stop sending after durationS and wait up to this long for the answers in flight instead of
   * closing their connections (wrk only; load/wrk-report.lua says why). rps is then the answers
   * that came back within durationS.
   */
  graceS?: number
}
