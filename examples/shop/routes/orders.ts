/**
 * POST /api/orders {"productId": 1, "quantity": 1} — the flash sale (seed 001).
 * 201 with the order when bought, 409 when sold out, 404 for an unknown product, 400 naming the
 * bad field. With an Idempotency-Key, a retry (or a duplicate sent at the same time) gets the
 * same 201 body and buys nothing; the key used with another product or quantity gets 422.
 * The confirmation runs later, as a job: its id is in the body, its status at /api/jobs/:id.
 */
import type { Hono } from 'hono'
import { setTimeout as sleep } from 'node:timers/promises'
import { database, queue, type Queryable } from 'corral/io'
import { idempotencyKey, intField, jsonObject } from '../http/input.js'
import { Problem } from '../http/problem.js'
import { CONFIRMATION_QUEUE, type ConfirmationPayload } from '../jobs/confirmation.js'
import type { Shop, ShopEnv } from '../shop.js'
import { buy, orderByKey, recordConfirmationJob, type Order } from '../store/orders.js'
import { stockKey } from './products.js'

const MAX_QUANTITY = 100
/**
 * An order this old with no confirmation job lost its first request between the order's commit
 * and the enqueue (a crash). Younger, the first request is still on its way and a replay waits.
 */
const ORPHANED_AFTER_MS = 30_000

/** The 201 body: only what never changes after the order is made, so a replay is byte-for-byte the same. */
function orderBody(order: Order) {
  const { id, productId, quantity, unitPrice, total, createdAt, confirmationJobId } = order
  return {
    order: { id, productId, quantity, unitPrice, total, createdAt },
    confirmation: confirmationJobId === null ? null : { jobId: confirmationJobId, href: `/api/jobs/${confirmationJobId}` },
  }
}

/**
 * The order an earlier request with this key made, checked against this request. The first
 * request records its confirmation job a moment after its order commits (longer under a rush);
 * a duplicate arriving in that moment waits for it, so both answers carry the same job. The wait
 * ends when the job is recorded, the order is orphaned, or this request's signal aborts.
 */
async function replay(db: Queryable, key: string, productId: number, quantity: number, signal: AbortSignal): Promise<Order | null> {
  for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
    const order = await orderByKey(db, key, { signal })
    if (!order) return null
    if (order.productId !== productId || order.quantity !== quantity) {
      throw new Problem('SHOP_IDEMPOTENCY_MISMATCH',
        `Idempotency-Key was used for ${order.quantity} × product ${order.productId}; send a new key for another order`,
        { field: 'Idempotency-Key' })
    }
    if (order.confirmationJobId !== null || Date.now() - Date.parse(order.createdAt) > ORPHANED_AFTER_MS) return order
    await sleep(pause, undefined, { signal })
  }
}

const replayed = (order: Order) =>
  Response.json(orderBody(order), { status: 201, headers: { 'idempotent-replayed': 'true' } })

export function orderRoutes(app: Hono<ShopEnv>, { cache }: Shop): void {
  app.post('/api/orders', async (c) => {
    const key = idempotencyKey(c.req.header('idempotency-key'))
    const body = await jsonObject(c.req.raw)
    const productId = intField(body, 'productId', 1, 2_147_483_647)
    const quantity = intField(body, 'quantity', 1, MAX_QUANTITY, 1)
    const { signal } = c.env
    const db = database()

    // A retry of a request that bought must not be judged against today's stock (it may be 0 now).
    if (key !== null) {
      const earlier = await replay(db, key, productId, quantity, signal)
      if (earlier) return replayed(earlier)
    }

    const result = await buy(db, productId, quantity, key)
    if (result.kind !== 'bought') {
      // Sold out or key taken: a request with this key may have committed since the check above.
      const earlier = key === null ? null : await replay(db, key, productId, quantity, signal)
      if (earlier) return replayed(earlier)
      if (result.kind === 'no-product') throw new Problem('SHOP_NOT_FOUND', `no product ${productId}`, { field: 'productId' })
      if (result.kind === 'sold-out') {
        throw new Problem('SHOP_SOLD_OUT', `product ${productId} has ${result.available} left; ${quantity} asked`, { productId, available: result.available })
      }
      throw new Error(`idempotency key ${key} conflicted but its order is gone`)
    }

    const order = result.order
    await cache.del(stockKey(productId))
    const jobs = await queue()
    const payload: ConfirmationPayload = { orderId: order.id }
    order.confirmationJobId = await jobs.enqueue(CONFIRMATION_QUEUE, payload)
    await recordConfirmationJob(db, order.id, order.confirmationJobId)
    return c.json(orderBody(order), 201)
  })
}
