/**
 * The shop: seed 000's e-commerce API, written the way corral says an I/O-bound service should
 * be. `npm start` serves it with an embedded PostgreSQL, an in-process cache and simulated
 * upstream services; DATABASE_URL, REDIS_URL and SHOP_*_URL point the same code at real ones.
 * See docs/shop.md.
 *
 * Loaded in each worker. Its connections (pool, cache, upstream pools) are the worker's own and
 * close with it; `ready` gates the worker's readiness on the database answering.
 */
import { Hono } from 'hono'
import { database, queue } from 'corral/io'
import { makeCache, makeServices } from './backends.js'
import { fromDependency, Problem, problems } from './http/problem.js'
import { CONFIRMATION_QUEUE, confirmOrder } from './jobs/confirmation.js'
import { gatewayRoutes } from './routes/gateway.js'
import { jobRoutes } from './routes/jobs.js'
import { orderRoutes } from './routes/orders.js'
import { productRoutes } from './routes/products.js'
import { readSettings } from './settings.js'
import type { Shop, ShopEnv } from './shop.js'

const settings = readSettings()
const shop: Shop = { settings, cache: makeCache(settings), services: makeServices(settings) }

const app = new Hono<ShopEnv>()
productRoutes(app, shop)
gatewayRoutes(app, shop)
orderRoutes(app, shop)
jobRoutes(app)

app.notFound((c) => new Problem('SHOP_NOT_FOUND', `no route ${c.req.method} ${new URL(c.req.url).pathname}`).toResponse())
app.onError((err, c) => {
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' && code in problems) return (err as Problem).toResponse()
  const outage = fromDependency(err)
  if (outage) {
    c.env.log.warn({ err }, `shop: answered ${outage.status}, a dependency failed`)
    return outage.toResponse()
  }
  c.env.log.error({ err }, 'shop: request failed')
  return new Problem('SHOP_INTERNAL', `internal error (request ${c.env.requestId})`).toResponse()
})

export default { fetch: app.fetch }

/**
 * The worker is ready once the database answers and the confirmation consumer runs. Opening the
 * pool's connections here, not on the first requests, keeps a fresh worker's first product pages
 * from spending their 100 ms stock budget on a connection handshake.
 */
export async function ready(): Promise<void> {
  const db = database()
  await Promise.all(Array.from({ length: db.size }, () => db.ping(10_000)))
  const jobs = await queue()
  jobs.work(CONFIRMATION_QUEUE, confirmOrder(settings.confirmationDelayMs), {
    concurrency: settings.confirmationConcurrency,
    pollMs: 250,
  })
}
