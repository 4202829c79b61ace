/**
 * POST /api/orders {"productId": 1, "quantity": 1} — the flash sale (seed 001).
 * 201 with the order when bought, 409 when sold out, 404 for an unknown product, 400 naming the
 * bad field. With an Idempotency-Key, a retry (or a duplicate sent at the same time) gets the
 * same 201 body and buys nothing; the key used with another product or quantity gets 422.
 * The confirmation runs later, as a job: its id is in the body, its status at /api/jobs/:id.
 */
import type { Hono } from 'hono'
import { database, queue, type Queryable } from 'corral/io'
import { idempotencyKey, intField, jsonObject } from '../http/input.js'
import { Problem } from '../http/problem.js'
import { CONFIRMATION_QUEUE, type ConfirmationPayload } from '../jobs/confirmation.js'
import type { Shop, ShopEnv } from '../shop.js'
import { buy, orderByKey, recordConfirmationJob, stockOf, type Order } from '../store/orders.js'
import { stockKey } from './products.js'

const MAX_QUANTITY = 100

/** The 201 body: only what never changes after the order is made, so a replay is byte-for-byte the same. */
function orderBody(order: Order) {
  const { id, productId, quantity, unitPrice, total, createdAt, confirmationJobId } = order
  return {
    order: { id, productId, quantity, unitPrice, total, createdAt },
    confirmation: confirmationJobId === null ? null : { jobId: confirmationJobId, href: `/api/jobs/${confirmationJobId}` },
  }
}

/**
 * The order an earlier request with this key made, checked against this request. The order and
 * its confirmation job commit together, so an order found here always names its job.
 */
async function replay(db: Queryable, key: string, productId: number, quantity: number, signal: AbortSignal): Promise<Order | null> {
  const order = await orderByKey(db, key, { signal })
  if (order && (order.productId !== productId || order.quantity !== quantity)) {
    throw new Problem('SHOP_IDEMPOTENCY_MISMATCH',
      `Idempotency-Key was used for ${order.quantity} × product ${order.productId}; send a new key for another order`,
      { field: 'Idempotency-Key' })
  }
  return order
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

    // Most of a flash sale's buyers come after the stock is gone: they are told so from one read,
    // without a transaction (on PGlite every transaction has the database to itself meanwhile).
    const available = await stockOf(db, productId, { signal })
    if (available === null) throw new Problem('SHOP_NOT_FOUND', `no product ${productId}`, { field: 'productId' })
    if (available < quantity) {
      // The last item may have gone to a request with this key since the replay check above.
      const earlier = key === null ? null : await replay(db, key, productId, quantity, signal)
      if (earlier) return replayed(earlier)
      throw new Problem('SHOP_SOLD_OUT', `product ${productId} has ${available} left; ${quantity} asked`, { productId, available })
    }

    // Opened before the transaction: a first call installs the queue's schema on a connection of
    // its own, which on the embedded PGlite would wait behind this transaction for ever.
    const jobs = await queue()
    // The order and its confirmation job commit together or not at all: no order without its
    // job (a crash between two commits), no job for an order that was rolled back.
    const result = await db.transaction(async (tx) => {
      const bought = await buy(tx, productId, quantity, key)
      if (bought.kind !== 'bought') return bought
      const payload: ConfirmationPayload = { orderId: bought.order.id }
      bought.order.confirmationJobId = await jobs.enqueue(CONFIRMATION_QUEUE, payload, { tx })
      await recordConfirmationJob(tx, bought.order.id, bought.order.confirmationJobId)
      return bought
    }, { signal })
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
    return c.json(orderBody(order), 201)
  })
}
