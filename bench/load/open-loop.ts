/**
 * Open-loop load: requests leave at fixed intervals whatever the server does, and each latency is
 * measured from the time the request was SCHEDULED, not from when it was sent. A closed-loop tool
 * (wrk, ab, autocannon) stops sending while the server stalls, so a stall shows up as one slow
 * request instead of the hundreds that real clients would have queued: coordinated omission.
 *
 * Written by hand because nothing in the registries we may use does this: wrk2 (which does) is
 * not packaged in Debian, and autocannon's `overallRate` paces requests per connection and times
 * them from the actual send, so it keeps the omission. The sending runs over undici's Pool.
 *
 * The generator's own lag (actual send minus scheduled time) is reported: when its p99 grows past
 * a few ms, the generator, not the server, was short of CPU and the figures are suspect.
 */
import { setMaxListeners } from 'node:events'
import { performance } from 'node:perf_hooks'
import { Pool } from 'undici'
import type { LoadResult } from './result.js'

export interface OpenLoad {
  url: string
  /** Requests per second to offer. */
  rate: number
  durationS: number
  /** How long to wait for stragglers after the last send; still-open requests then count as errors. */
  timeoutS: number
  /** Client connections to open at most; size it above rate x expected latency. */
  connections: number
  /** Each request's path and headers, when they vary (a product page of a random product and user); else the url's. */
  request?: () => { path: string; headers?: Record<string, string> }
}

/** Bounds every run whatever the options: at most this many requests are scheduled. */
const MAX_REQUESTS = 200_000

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  return sorted[Math.max(0, i)]!
}

export async function runOpenLoop(load: OpenLoad): Promise<LoadResult> {
  const url = new URL(load.url)
  const pool = new Pool(url.origin, { connections: load.connections, pipelining: 1, keepAliveTimeout: 30_000 })
  const total = Math.min(MAX_REQUESTS, Math.max(1, Math.round(load.rate * load.durationS)))
  const intervalMs = 1000 / load.rate
  const latencies = new Float64Array(total)
  const lags = new Float64Array(total)
  const stop = new AbortController()
  // One signal ends every request still open at the deadline; each request listens to it.
  setMaxListeners(0, stop.signal)
  let sent = 0
  let finished = 0
  let errors = 0
  let ok = 0
  let lastDone = 0
  const start = performance.now()

  const pending = new Set<number>()
  const fire = (i: number, scheduled: number) => {
    lags[i] = performance.now() - scheduled
    pending.add(i)
    const settle = (good: boolean) => {
      if (!pending.delete(i)) return // already written off at the deadline
      lastDone = performance.now()
      latencies[i] = lastDone - scheduled
      finished++
      if (good) ok++
      else errors++
    }
    const r = load.request?.()
    pool.request({ path: r?.path ?? url.pathname + url.search, headers: r?.headers, method: 'GET', signal: stop.signal })
      .then(async (res) => {
        await res.body.dump()
        settle(res.statusCode >= 200 && res.statusCode < 300)
      })
      .catch(() => settle(false))
  }

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now()
      while (sent < total && start + sent * intervalMs <= now) {
        fire(sent, start + sent * intervalMs)
        sent++
      }
      if (sent < total) setTimeout(tick, Math.max(0, Math.min(1, start + sent * intervalMs - performance.now())))
      else resolve()
    }
    tick()
  })

  const deadline = performance.now() + load.timeoutS * 1000
  while (pending.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10))
  // Requests still open at the deadline are failures; their latency is at least their age now.
  const end = performance.now()
  for (const i of pending) {
    latencies[i] = end - (start + i * intervalMs)
    errors++
  }
  pending.clear()
  stop.abort()
  await pool.destroy().catch(() => {})

  const sorted = latencies.slice(0, total).sort()
  const sortedLags = lags.slice(0, total).sort()
  const elapsedS = Math.max(load.durationS, ((lastDone || end) - start) / 1000)
  let sum = 0
  for (const v of sorted) sum += v
  return {
    requests: finished, errors, durationS: elapsedS, rps: ok / elapsedS,
    meanMs: sum / total, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1] ?? 0, offered: total, sendLagP99Ms: percentile(sortedLags, 99),
  }
}
