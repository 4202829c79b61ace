/**
 * The flash sale's SQL (seed 001: many buyers, little stock, no overselling).
 *
 * One statement takes the stock and writes the order: the UPDATE only matches while enough stock
 * is left, and the INSERT only runs for the row it returned. PostgreSQL runs a statement
 * atomically and row-locks what the UPDATE touches, so under any concurrency stock never goes
 * below zero and every unit taken has its order. The route runs it in the transaction that also
 * enqueues the order's confirmation job (routes/orders.ts), so that transaction is short: on the
 * embedded PGlite an open transaction makes every other connection wait.
 *
 * Idempotency rides on the same statement: orders.idempotency_key is UNIQUE, so a second request
 * with a key already used fails at the INSERT, and that failure undoes its UPDATE too (same
 * statement). Two requests racing with one key serialize on the product's row lock; the loser
 * sees the winner's key and reads the winner's order instead.
 */
import type { Queryable, QueryOptions } from 'corral/io'

export interface Order {
  id: number
  productId: number
  quantity: number
  unitPrice: number
  total: number
  createdAt: string
  confirmationJobId: string | null
  status: 'pending' | 'confirmed'
}

export type BuyResult =
  | { kind: 'bought'; order: Order }
  | { kind: 'sold-out'; available: number }
  | { kind: 'no-product' }
  /** The idempotency key was used before (or just now, by a request racing this one). */
  | { kind: 'key-used' }

const ORDER_COLUMNS = `id::int, product_id::int AS "productId", quantity, unit_price::float8 AS "unitPrice",
  (unit_price * quantity)::float8 AS total, created_at AS "createdAt",
  confirmation_job_id::text AS "confirmationJobId", status`

const BUY = `
  WITH taken AS (
    UPDATE products SET stock = stock - $2, updated_at = now()
    WHERE id = $1 AND stock >= $2
    RETURNING id, list_price
  )
  INSERT INTO orders (product_id, quantity, unit_price, idempotency_key)
  SELECT id, $2, list_price, $3 FROM taken
  RETURNING ${ORDER_COLUMNS}`

const toOrder = (r: Record<string, any>): Order => ({ ...r, createdAt: new Date(r.createdAt).toISOString() } as Order)

const isKeyConflict = (err: unknown) => (err as { code?: string }).code === '23505'
  && ((err as { constraint?: string }).constraint ?? 'orders_idempotency_key_key') === 'orders_idempotency_key_key'

export async function buy(db: Queryable, productId: number, quantity: number, key: string | null): Promise<BuyResult> {
  let rows: Record<string, any>[]
  try {
    ({ rows } = await db.query(BUY, [productId, quantity, key]))
  } catch (err) {
    if (key !== null && isKeyConflict(err)) return { kind: 'key-used' }
    throw err
  }
  if (rows.length) return { kind: 'bought', order: toOrder(rows[0]) }
  // Nothing taken: tell "sold out" from "no such product". The stock read here may already be
  // stale, which is fine: it only explains a refusal that was decided atomically above.
  const found = await db.query('SELECT stock FROM products WHERE id = $1', [productId])
  return found.rows.length ? { kind: 'sold-out', available: found.rows[0].stock } : { kind: 'no-product' }
}

/** The stock now (null: no such product): a sold-out rush is answered without opening a transaction. */
export async function stockOf(db: Queryable, productId: number, options: QueryOptions = {}): Promise<number | null> {
  const { rows } = await db.query('SELECT stock FROM products WHERE id = $1', [productId], options)
  return rows.length ? rows[0].stock : null
}

export async function orderByKey(db: Queryable, key: string, options: QueryOptions = {}): Promise<Order | null> {
  const { rows } = await db.query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE idempotency_key = $1`, [key], options)
  return rows.length ? toOrder(rows[0]) : null
}

export async function recordConfirmationJob(db: Queryable, orderId: number, jobId: string): Promise<void> {
  await db.query('UPDATE orders SET confirmation_job_id = $2 WHERE id = $1 AND confirmation_job_id IS NULL', [orderId, jobId])
}

/** Safe to run twice for one order (the queue delivers at least once): only a pending order changes. */
export async function confirm(db: Queryable, orderId: number): Promise<boolean> {
  const { rowCount } = await db.query(
    "UPDATE orders SET status = 'confirmed', confirmed_at = now() WHERE id = $1 AND status = 'pending'", [orderId])
  return rowCount === 1
}
