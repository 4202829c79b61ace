/**
 * What the simulated services answer: pure functions of the ids, so every worker and every run
 * agree, and tests can predict an answer without a database. Catalog numbers follow
 * migrations/002_seed.sql (list price = 5.99 + (id × 37 mod 500)).
 */
export const CATALOG_SIZE = 5000

const listPrice = (id: number) => 5.99 + ((id * 37) % 500)
const cents = (n: number) => Math.round(n * 100) / 100

/** The price service: today's price, 10% off every third product. */
export function price(productId: number) {
  const discounted = productId % 3 === 0
  return { productId, price: cents(listPrice(productId) * (discounted ? 0.9 : 1)), currency: 'USD', discounted }
}

/** The recommendation engine: four other products, spread over the catalog. */
export function recommend(productId: number) {
  const products = [1, 2, 3, 4].map((k) => ((productId * 7 + k * 131) % CATALOG_SIZE) + 1).filter((id) => id !== productId)
  return { productId, products }
}

/** The favorites service (seed 000's MongoDB lookup). */
export function favorite(userId: number, productId: number) {
  return { userId, productId, favorite: (userId + productId) % 5 === 0 }
}

export function user(id: number) {
  const tiers = ['bronze', 'silver', 'gold'] as const
  return { id, name: `User ${id}`, email: `user${id}@example.test`, tier: tiers[id % 3] }
}

/** The order service: a user's three most recent orders (the shop's own orders live in its database). */
export function orders(userId: number) {
  return {
    userId,
    orders: [0, 1, 2].map((k) => {
      const productId = ((userId * 11 + k * 97) % CATALOG_SIZE) + 1
      return { id: userId * 1000 + k, productId, quantity: 1 + (k % 2), total: cents(listPrice(productId) * (1 + (k % 2))), placedAt: new Date(Date.UTC(2025, 0, 1 + k)).toISOString() }
    }),
  }
}

/** The product service: the catalog's featured products for the gateway page. */
export function featured() {
  return { products: [1, 2, 3, 4, 5].map((id) => ({ id, name: `Product ${id}`, price: cents(listPrice(id)) })) }
}
