/**
 * The client host's load: a closed loop of `concurrency` keep-alive connections to nginx, each
 * sending the next request when its answer is in. Product pages (the shop's fan-out), and every
 * `orderEvery`-th request an order (a POST with its own Idempotency-Key). Run inside the client's
 * namespace by the harness:
 *
 *   ip netns exec <ns> node --import tsx scripts/multihost/load.ts '<json options>'
 *
 * Bounded: it stops at maxSeconds or maxRequests, or when a line "stop" arrives on stdin. It prints
 * one JSON line a second ({"type":"progress"}) and one at the end ({"type":"done"}) with every
 * count: answers by status and by release (X-Release), failures with examples, and the orders it
 * was told were placed (so the harness can check each is in the database exactly once).
 */
import { randomUUID } from 'node:crypto'
import { createInterface } from 'node:readline'
import { Pool } from 'undici'

export interface LoadOptions {
  url: string
  concurrency: number
  maxSeconds: number
  maxRequests?: number
  /** Every n-th request is an order (0: none). */
  orderEvery?: number
  /** Product pages are for ids in [from, to]; orders buy one of [orderFrom, orderTo]. */
  products?: [number, number]
  orderProducts?: [number, number]
}

export interface Failure { at: number; method: string; path: string; what: string }

export interface LoadReport {
  type: 'done'
  seconds: number
  total: number
  ok: number
  /** Answers that are not a failure but not a success either (409 sold out). */
  refused: number
  failed: number
  byStatus: Record<string, number>
  byRelease: Record<string, number>
  degraded: number
  failures: Failure[]
  orders: { key: string; id: number }[]
  /** ms, over successful answers. */
  latency: { p50: number; p99: number; max: number }
  /** Successful answers in each whole second since the start. */
  perSecond: number[]
}

const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0)

export async function runLoad(o: LoadOptions, stopped: Promise<void>, progress?: (r: Partial<LoadReport>) => void): Promise<LoadReport> {
  const pool = new Pool(o.url, { connections: o.concurrency, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 })
  const started = performance.now()
  const r: LoadReport = { type: 'done', seconds: 0, total: 0, ok: 0, refused: 0, failed: 0, byStatus: {}, byRelease: {}, degraded: 0, failures: [], orders: [], latency: { p50: 0, p99: 0, max: 0 }, perSecond: [] }
  const latencies: number[] = []
  let stop = false
  void stopped.then(() => { stop = true })
  const deadline = started + o.maxSeconds * 1000
  const [pFrom, pTo] = o.products ?? [1, 1000]
  const [oFrom, oTo] = o.orderProducts ?? [1, 100]
  const pick = (a: number, b: number) => a + Math.floor(Math.random() * (b - a + 1))
  let n = 0

  const fail = (method: string, path: string, what: string) => {
    r.failed++
    if (r.failures.length < 20) r.failures.push({ at: Math.round(performance.now() - started), method, path, what })
  }

  const one = async () => {
    const i = n++
    const order = o.orderEvery !== undefined && o.orderEvery > 0 && i % o.orderEvery === o.orderEvery - 1
    const method = order ? 'POST' : 'GET'
    const path = order ? '/api/orders' : `/api/products/${pick(pFrom, pTo)}`
    const key = order ? randomUUID() : ''
    const t0 = performance.now()
    try {
      const res = await pool.request({
        method, path,
        headers: order ? { 'content-type': 'application/json', 'idempotency-key': key } : { 'x-user-id': String(pick(1, 50)) },
        body: order ? JSON.stringify({ productId: pick(oFrom, oTo), quantity: 1 }) : undefined,
      })
      const text = await res.body.text()
      r.total++
      r.byStatus[res.statusCode] = (r.byStatus[res.statusCode] ?? 0) + 1
      const release = String(res.headers['x-release'] ?? '(none)')
      r.byRelease[release] = (r.byRelease[release] ?? 0) + 1
      if (res.statusCode === 200 || res.statusCode === 201) {
        r.ok++
        const ms = performance.now() - t0
        latencies.push(ms)
        const sec = Math.floor((performance.now() - started) / 1000)
        r.perSecond[sec] = (r.perSecond[sec] ?? 0) + 1
        const body = JSON.parse(text)
        if (order) r.orders.push({ key, id: body.order.id })
        else if (Array.isArray(body.degraded) && body.degraded.length > 0) r.degraded++
      } else if (res.statusCode === 409) {
        r.refused++
      } else {
        fail(method, path, `${res.statusCode} ${text.slice(0, 200)}`)
      }
    } catch (err) {
      r.total++
      r.byStatus.error = (r.byStatus.error ?? 0) + 1
      fail(method, path, `${(err as { code?: string }).code ?? ''} ${(err as Error).message}`)
    }
  }

  const loop = async () => {
    while (!stop && performance.now() < deadline && (o.maxRequests === undefined || n < o.maxRequests)) await one()
  }
  const timer = progress && setInterval(() => progress({ total: r.total, ok: r.ok, failed: r.failed, byRelease: { ...r.byRelease } }), 1000)
  await Promise.all(Array.from({ length: o.concurrency }, loop))
  if (timer) clearInterval(timer)
  await pool.close()
  r.seconds = (performance.now() - started) / 1000
  for (let s = 0; s < r.perSecond.length; s++) r.perSecond[s] ??= 0
  latencies.sort((a, b) => a - b)
  r.latency = { p50: Math.round(quantile(latencies, 0.5)), p99: Math.round(quantile(latencies, 0.99)), max: Math.round(latencies.at(-1) ?? 0) }
  return r
}

// Run as a program (inside the client's namespace).
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const o = JSON.parse(process.argv[2]) as LoadOptions
  const stopped = new Promise<void>((resolve) => {
    createInterface({ input: process.stdin }).on('line', (l) => { if (l.trim() === 'stop') resolve() }).on('close', () => resolve())
  })
  const report = await runLoad(o, stopped, (p) => process.stdout.write(JSON.stringify({ type: 'progress', ...p }) + '\n'))
  process.stdout.write(JSON.stringify(report) + '\n')
  process.exit(0)
}
