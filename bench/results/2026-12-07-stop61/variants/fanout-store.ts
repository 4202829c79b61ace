/**
 * Scenario `fanout` (seed 000's I/O-bound view): three concurrent calls to the upstream simulator,
 * each answering after BENCH_DELAY_MS (default 300 ms), so the critical path is one delay and the
 * Little's-law ceiling is connections / delay.
 *
 * undici's `request` over one keep-alive Agent per worker: `fetch` does about a third of the
 * requests per second on the same server, and the upstream client is on the hot path here.
 * BENCH_UPSTREAM_CONNECTIONS sizes the pool for the concurrency under test; a pool smaller than
 * the calls in flight would queue inside the client and cap the figure below the ceiling.
 */
import { Agent, request } from 'undici'

const upstream = process.env.BENCH_UPSTREAM ?? 'http://127.0.0.1:9400'
const delayMs = Number(process.env.BENCH_DELAY_MS ?? 300)
const agent = new Agent({
  connections: Number(process.env.BENCH_UPSTREAM_CONNECTIONS ?? 1024),
  keepAliveTimeout: 30_000,
})

async function call(path: string, signal: AbortSignal): Promise<unknown> {
  const res = await request(`${upstream}${path}?ms=${delayMs}`, { dispatcher: agent, signal })
  return res.body.json()
}

class Store { aborted = false; reason = undefined; list: unknown[] = []
  addEventListener(_t: string, l: unknown) { this.list.push(l) }
  removeEventListener(_t: string, l: unknown) { const i = this.list.indexOf(l); if (i >= 0) { this.list[i] = this.list[this.list.length - 1]; this.list.pop() } } }

export default {
  async fetch(_request: Request, ctx: { signal: AbortSignal }): Promise<Response> {
    const s = new Store() as unknown as AbortSignal
    const [user, orders, products] = await Promise.all([
      call('/user', s), call('/orders', s), call('/products', s),
    ])
    return Response.json({ status: 'ok', count: 3, user, orders, products })
  },
}
