/** The products table: every SQL statement about products, in one place. */
import type { Queryable } from 'corral/io'

export interface Product { id: number; name: string; description: string; listPrice: number }
export interface ProductSummary { id: number; name: string; listPrice: number; stock: number }

export async function findProduct(db: Queryable, id: number): Promise<Product | null> {
  const { rows } = await db.query(
    'SELECT id::int, name, description, list_price::float8 AS "listPrice" FROM products WHERE id = $1', [id])
  return rows[0] ?? null
}

/** The stock the database holds now; null for an unknown product. */
export async function readStock(db: Queryable, id: number): Promise<number | null> {
  const { rows } = await db.query('SELECT stock FROM products WHERE id = $1', [id])
  return rows.length ? rows[0].stock : null
}

export async function listProducts(db: Queryable, limit: number, offset: number): Promise<{ items: ProductSummary[]; total: number }> {
  const [page, count] = await Promise.all([
    db.query('SELECT id::int, name, list_price::float8 AS "listPrice", stock FROM products ORDER BY id LIMIT $1 OFFSET $2', [limit, offset]),
    db.query('SELECT count(*)::int AS total FROM products'),
  ])
  return { items: page.rows, total: count.rows[0].total }
}

export async function setStock(db: Queryable, id: number, stock: number): Promise<{ id: number; stock: number } | null> {
  const { rows } = await db.query(
    'UPDATE products SET stock = $2, updated_at = now() WHERE id = $1 RETURNING id::int, stock', [id, stock])
  return rows[0] ?? null
}
