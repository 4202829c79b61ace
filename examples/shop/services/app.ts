/**
 * The upstream services the shop calls, simulated, served by corral itself:
 *
 *   GET /price/:productId             price service           {productId, price, currency, discounted}
 *   GET /recommend/:productId         recommendation engine   {productId, products: [id…]}
 *   GET /favorites/:userId/:productId favorites service       {userId, productId, favorite}
 *   GET /users/:id                    user service            {id, name, email, tier}
 *   GET /orders?user=:id              order service           {userId, orders: […]}
 *   GET /products                     product service         {products: […]}
 *   GET /healthz                      200 at once (no latency: for readiness checks)
 *   GET /_sim/config                  the behaviour in force
 *
 * Each answer waits its service's latency (drawn per call) and fails at its failure rate, as set
 * by env or a JSON file (behaviour.ts). `corral serve examples/shop/services/app.ts --port 9100`
 */
import type { RequestContext } from 'corral'
import { drawLatency, readBehaviour, type ServiceName } from './behaviour.js'
import * as data from './data.js'
import { watchParent } from './parent-watch.js'

const behaviour = readBehaviour()
watchParent()

type Route = { service: ServiceName; pattern: RegExp; answer: (m: RegExpExecArray, url: URL) => unknown }

const id = '([1-9][0-9]{0,8})'
const routes: Route[] = [
  { service: 'price', pattern: new RegExp(`^/price/${id}$`), answer: (m) => data.price(Number(m[1])) },
  { service: 'recommend', pattern: new RegExp(`^/recommend/${id}$`), answer: (m) => data.recommend(Number(m[1])) },
  { service: 'favorites', pattern: new RegExp(`^/favorites/${id}/${id}$`), answer: (m) => data.favorite(Number(m[1]), Number(m[2])) },
  { service: 'user', pattern: new RegExp(`^/users/${id}$`), answer: (m) => data.user(Number(m[1])) },
  { service: 'order', pattern: /^\/orders$/, answer: (_m, url) => {
    const user = Number(url.searchParams.get('user'))
    return Number.isInteger(user) && user > 0 ? data.orders(user) : undefined
  } },
  { service: 'product', pattern: /^\/products$/, answer: () => data.featured() },
]

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

/** Wait ms, or stop waiting when the caller went away (its timeout passed): no timer outlives its request. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(!signal.aborted)
  return new Promise((resolve) => {
    const timer = setTimeout(() => { signal.removeEventListener('abort', stop); resolve(true) }, ms)
    const stop = () => { clearTimeout(timer); resolve(false) }
    signal.addEventListener('abort', stop, { once: true })
  })
}

export default {
  async fetch(request: Request, ctx: RequestContext): Promise<Response> {
    const url = new URL(request.url)
    if (url.pathname === '/healthz') return json(200, { ok: true })
    if (url.pathname === '/_sim/config') return json(200, behaviour)
    if (request.method !== 'GET') return json(405, { error: 'only GET' })
    for (const route of routes) {
      const m = route.pattern.exec(url.pathname)
      if (!m) continue
      const b = behaviour[route.service]
      if (!(await pause(drawLatency(b.latency), ctx.signal))) return json(499, { error: 'client went away' })
      if (b.failureRate > 0 && Math.random() < b.failureRate) return json(b.failStatus, { error: `${route.service} service failure (simulated)` })
      const body = route.answer(m, url)
      return body === undefined ? json(400, { error: 'bad query' }) : json(200, body)
    }
    return json(404, { error: 'no such route' })
  },
}
