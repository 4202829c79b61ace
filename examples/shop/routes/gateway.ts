/**
 * GET /api/gateway/:userId — seed 000's API gateway: the user, their orders and the featured
 * products from three services at once. The page takes as long as the slowest call (~400 ms
 * with the seed's latencies), not the sum (~1,050 ms); a failing service empties its field only.
 */
import type { Hono } from 'hono'
import { degraded, gather, values } from 'corral/io'
import { id } from '../http/input.js'
import type { Shop, ShopEnv } from '../shop.js'

export function gatewayRoutes(app: Hono<ShopEnv>, { services, settings: { timeouts: t } }: Shop): void {
  app.get('/api/gateway/:userId', async (c) => {
    const userId = id('userId', c.req.param('userId'))
    const out = await gather(c.env.signal, {
      user: { run: (s) => services.user.get<unknown>(`/users/${userId}`, s), timeoutMs: t.user, fallback: () => null },
      orders: {
        run: (s) => services.order.get<{ orders: unknown[] }>(`/orders?user=${userId}`, s).then((r) => r.orders),
        timeoutMs: t.orders, fallback: () => [] as unknown[],
      },
      products: {
        run: (s) => services.product.get<{ products: unknown[] }>('/products', s).then((r) => r.products),
        timeoutMs: t.products, fallback: () => [] as unknown[],
      },
    })
    return c.json({ ...values(out), degraded: degraded(out) })
  })
}
