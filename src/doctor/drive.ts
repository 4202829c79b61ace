/**
 * A short closed-loop load on one route: `concurrency` loops, each sending its next request when
 * the last one is answered, until `durationMs` or `maxRequests`, whichever comes first. The
 * doctor reads the worker's CPU from /proc around exactly this window, so it needs the load in
 * its own hands with hard bounds; autocannon (the bench's) is a development dependency and would
 * add a load generator's worth of install to every user of the CLI for ~40 lines over undici.
 */
import { Pool } from 'undici'

export interface DriveOptions {
  origin: string
  path: string
  concurrency: number
  durationMs: number
  maxRequests: number
}

export interface DriveResult {
  requests: number
  /** Answers that were not 2xx or 3xx, and requests that failed outright. */
  errors: number
  statuses: Record<string, number>
  wallMs: number
  /** Latencies in ms, sorted. */
  latencies: number[]
  /** The first failure, to show the user why a route did not answer. */
  firstError?: string
}

export async function drive(o: DriveOptions): Promise<DriveResult> {
  const pool = new Pool(o.origin, { connections: o.concurrency, pipelining: 1, keepAliveTimeout: 10_000 })
  const latencies: number[] = []
  const statuses: Record<string, number> = {}
  let errors = 0
  let sent = 0
  let firstError: string | undefined
  const start = performance.now()
  const until = start + o.durationMs
  const loop = async () => {
    while (sent < o.maxRequests && performance.now() < until) {
      sent++
      const t0 = performance.now()
      try {
        const res = await pool.request({ method: 'GET', path: o.path, headersTimeout: 30_000, bodyTimeout: 30_000 })
        await res.body.dump()
        latencies.push(performance.now() - t0)
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1
        if (res.statusCode >= 400) { errors++; firstError ??= `HTTP ${res.statusCode}` }
      } catch (err) {
        errors++
        firstError ??= (err as Error).message
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: o.concurrency }, loop))
  } finally {
    await pool.close().catch(() => undefined)
  }
  latencies.sort((a, b) => a - b)
  return { requests: latencies.length, errors, statuses, wallMs: performance.now() - start, latencies, firstError }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}
