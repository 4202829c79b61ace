/**
 * GET /api/products/:id — seed 000's product page: five lookups at once, each with its own budget
 * and fallback, so a slow or failing service costs its field, never the page.
 * GET /api/products?page=&limit= — the catalog, a page at a time.
 * PUT /api/products/:id/stock — set stock (an admin action for demos and tests).
 */
import type { Hono } from 'hono'
import { database, degraded, gather } from 'corral/io'
import { id, intField, intParam, jsonObject } from '../http/input.js'
import { Problem } from '../http/problem.js'
import type { Shop, ShopEnv } from '../shop.js'
import { findProduct, listProducts, readStock, setStock } from '../store/products.js'

export const stockKey = (productId: number) => `stock:${productId}`
const productKey = (productId: number) => `product:${productId}`

export function productRoutes(app: Hono<ShopEnv>, shop: Shop): void {
  const { cache, services, settings } = shop
  const t = settings.timeouts

  app.get('/api/products/:id', async (c) => {
    const productId = id('id', c.req.param('id'))
    const user = c.req.header('x-user-id')
    const userId = user === undefined ? null : id('X-User-Id', user)
    const db = database()

    const out = await gather(c.env.signal, {
      // Product rows change rarely: read through the cache, and serve a stale row while one refresh runs.
      product: {
        run: () => cache.getOrSet(productKey(productId), settings.productTtlMs, () => findProduct(db, productId), { staleMs: settings.productTtlMs }),
        timeoutMs: t.product,
      },
      // Seed 000 reads stock from Redis; here the cache fronts the database, which stays the truth.
      stock: {
        run: () => cache.getOrSet(stockKey(productId), settings.stockTtlMs, () => readStock(db, productId)),
        timeoutMs: t.stock, fallback: () => 0,
      },
      price: {
        run: (signal) => services.price.get<{ price: number }>(`/price/${productId}`, signal).then((r) => r.price),
        timeoutMs: t.price,
      },
      recommendations: {
        run: (signal) => services.recommend.get<{ products: number[] }>(`/recommend/${productId}`, signal).then((r) => r.products),
        timeoutMs: t.recommendations, fallback: () => [] as number[],
      },
      is_favorite: {
        // An anonymous visitor has no favorites: no call, and nothing degraded.
        run: async (signal) => userId === null ? false
          : services.favorites.get<{ favorite: boolean }>(`/favorites/${userId}/${productId}`, signal).then((r) => r.favorite),
        timeoutMs: t.favorites, fallback: () => false,
      },
    })

    if (!out.product.ok) throw new Problem('SHOP_UNAVAILABLE', `product ${productId} could not be read`, { field: 'product' })
    const product = out.product.value
    if (product === null) throw new Problem('SHOP_NOT_FOUND', `no product ${productId}`, { productId })
    return c.json({
      product: { id: product.id, name: product.name, description: product.description },
      stock: 'value' in out.stock ? out.stock.value ?? 0 : 0,
      // Seed 000's fallback for the price: the catalog's list price.
      price: out.price.ok ? out.price.value : product.listPrice,
      recommendations: 'value' in out.recommendations ? out.recommendations.value : [],
      is_favorite: 'value' in out.is_favorite ? out.is_favorite.value : false,
      degraded: degraded(out),
    })
  })

  app.get('/api/products', async (c) => {
    const page = intParam('page', c.req.query('page'), 1, 1, 100_000)
    const limit = intParam('limit', c.req.query('limit'), 20, 1, 100)
    const { items, total } = await listProducts(database(), limit, (page - 1) * limit)
    return c.json({ items, page, limit, total, pages: Math.ceil(total / limit) })
  })

  app.put('/api/products/:id/stock', async (c) => {
    const productId = id('id', c.req.param('id'))
    const stock = intField(await jsonObject(c.req.raw), 'stock', 0, 1_000_000_000)
    const row = await setStock(database(), productId, stock)
    if (!row) throw new Problem('SHOP_NOT_FOUND', `no product ${productId}`, { productId })
    await cache.del(stockKey(productId))
    return c.json(row)
  })
}
