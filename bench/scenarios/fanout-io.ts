/**
 * Scenario `fanout-io`: the `fanout` scenario's three concurrent upstream calls, written with
 * corral/io exactly as docs/io/fanout.md teaches: one named upstream per service, `gather` under
 * the request's signal with a budget and a fallback per call, and `Response.json`. The anchors
 * serve it with the same hand-written undici fan-out as `fanout`, so the table says what the
 * corral way of writing it costs (issue 11).
 *
 * The budgets are ten upstream delays (at least a second): a deadline armed on every call, as in a
 * real service, that a healthy run never reaches (the table's errors column would show answers cut short).
 */
import { degraded, gather, upstream, values } from 'corral/io'
import type { RequestContext } from 'corral'

const origin = process.env.BENCH_UPSTREAM ?? 'http://127.0.0.1:9400'
const delayMs = Number(process.env.BENCH_DELAY_MS ?? 300)
const connections = Number(process.env.BENCH_UPSTREAM_CONNECTIONS ?? 1024)
const budgetMs = Math.max(1000, 10 * delayMs)
// BENCH_UPSTREAM_LIMIT=off: every call is sent (corral/io's adaptive concurrency per upstream off), for
// bench/fanout-overload.ts's side-by-side with the limits off.
const limit = process.env.BENCH_UPSTREAM_LIMIT === 'off' ? false as const : undefined

const users = upstream({ name: 'user', origin, connections, timeoutMs: budgetMs, limit })
const orders = upstream({ name: 'orders', origin, connections, timeoutMs: budgetMs, limit })
const products = upstream({ name: 'products', origin, connections, timeoutMs: budgetMs, limit })

// A call that fails answers 502 below rather than a page with holes: the bench compares full answers.
const failed = () => undefined

export default {
  async fetch(_request: Request, ctx: RequestContext): Promise<Response> {
    const out = await gather(ctx.signal, {
      user: { run: (signal) => users.json(`/user?ms=${delayMs}`, { signal }), timeoutMs: budgetMs, fallback: failed },
      orders: { run: (signal) => orders.json(`/orders?ms=${delayMs}`, { signal }), timeoutMs: budgetMs, fallback: failed },
      products: { run: (signal) => products.json(`/products?ms=${delayMs}`, { signal }), timeoutMs: budgetMs, fallback: failed },
    })
    const cut = degraded(out)
    if (cut.length > 0) return new Response(`upstream calls failed: ${cut.join(',')}`, { status: 502 })
    const { user, orders: o, products: p } = values(out)
    return Response.json({ status: 'ok', count: 3, user, orders: o, products: p })
  },
}
