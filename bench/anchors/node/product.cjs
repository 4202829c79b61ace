'use strict'
/**
 * The shop's product page (examples/shop/routes/products.ts) written by hand for plain Node: what a
 * team without an application server writes with node:http, undici and pg. Same answer, same
 * calls, same budgets and fallbacks, same caching (product rows 30 s and served stale while one
 * refresh runs, stock 2 s, one load per key at a time), with nothing in between: an undici Agent,
 * a pg Pool, a Map.
 *
 * Per-call budgets use undici's own headersTimeout/bodyTimeout, the cheapest timeout undici offers
 * (no AbortSignal per call); a call past its budget falls back as the shop's does.
 */
const { Agent, request } = require('undici')
const pg = require('pg')

const services = process.env.SHOP_SERVICES_URL ?? 'http://127.0.0.1:9100'
const budgets = { price: 300, recommendations: 400, favorites: 150 }
const PRODUCT_TTL_MS = 30_000
const STOCK_TTL_MS = 2_000

const agent = new Agent({ connections: Number(process.env.SHOP_UPSTREAM_CONNECTIONS ?? 1024), keepAliveTimeout: 30_000 })
const db = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.CORRAL_DB_POOL_SIZE ?? 8) })

/** key → { value, freshUntil, staleUntil }, and key → the load in progress. */
const entries = new Map()
const loading = new Map()

function load(key, ttl, loader) {
  let p = loading.get(key)
  if (p === undefined) {
    p = Promise.resolve().then(loader).then((value) => {
      const now = Date.now()
      entries.set(key, { value, freshUntil: now + ttl, staleUntil: now + 2 * ttl })
      return value
    }).finally(() => loading.delete(key))
    loading.set(key, p)
  }
  return p
}

function cached(key, ttl, loader, stale) {
  const e = entries.get(key)
  const now = Date.now()
  if (e !== undefined && e.freshUntil > now) return Promise.resolve(e.value)
  if (stale && e !== undefined && e.staleUntil > now) {
    load(key, ttl, loader).catch(() => {})
    return Promise.resolve(e.value)
  }
  return load(key, ttl, loader)
}

async function findProduct(id) {
  const { rows } = await db.query('SELECT id::int, name, description, list_price::float8 AS "listPrice" FROM products WHERE id = $1', [id])
  return rows[0] ?? null
}

async function readStock(id) {
  const { rows } = await db.query('SELECT stock FROM products WHERE id = $1', [id])
  return rows.length ? rows[0].stock : null
}

async function get(path, budget) {
  const res = await request(services + path, { dispatcher: agent, headersTimeout: budget, bodyTimeout: budget })
  if (res.statusCode < 200 || res.statusCode > 299) {
    await res.body.dump()
    throw new Error(`status ${res.statusCode}`)
  }
  return res.body.json()
}

const send = (res, status, body) => {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

const ID = /^[1-9][0-9]{0,9}$/

async function page(req, res) {
  const m = /^\/api\/products\/([^/?]+)/.exec(req.url)
  if (!m || !ID.test(m[1]) || Number(m[1]) > 2_147_483_647) return send(res, m ? 400 : 404, { error: 'bad product id' })
  const id = Number(m[1])
  const user = req.headers['x-user-id']
  if (user !== undefined && (!ID.test(user) || Number(user) > 2_147_483_647)) return send(res, 400, { error: 'bad X-User-Id' })
  const [product, stock, price, recommendations, favorite] = await Promise.allSettled([
    cached(`product:${id}`, PRODUCT_TTL_MS, () => findProduct(id), true),
    cached(`stock:${id}`, STOCK_TTL_MS, () => readStock(id), false),
    get(`/price/${id}`, budgets.price).then((r) => r.price),
    get(`/recommend/${id}`, budgets.recommendations).then((r) => r.products),
    user === undefined ? false : get(`/favorites/${user}/${id}`, budgets.favorites).then((r) => r.favorite),
  ])
  if (product.status === 'rejected') return send(res, 503, { error: `product ${id} could not be read` })
  if (product.value === null) return send(res, 404, { error: `no product ${id}` })
  const p = product.value
  const degraded = []
  if (stock.status === 'rejected') degraded.push('stock')
  if (price.status === 'rejected') degraded.push('price')
  if (recommendations.status === 'rejected') degraded.push('recommendations')
  if (favorite.status === 'rejected') degraded.push('is_favorite')
  send(res, 200, {
    product: { id: p.id, name: p.name, description: p.description },
    stock: stock.status === 'fulfilled' ? stock.value ?? 0 : 0,
    price: price.status === 'fulfilled' ? price.value : p.listPrice,
    recommendations: recommendations.status === 'fulfilled' ? recommendations.value : [],
    is_favorite: favorite.status === 'fulfilled' ? favorite.value : false,
    degraded,
  })
}

module.exports = (req, res) => {
  page(req, res).catch((err) => send(res, 500, { error: String(err?.message ?? err) }))
}
