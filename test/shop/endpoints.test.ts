/**
 * Each endpoint of the shop (issue 5), against a real server: the shop served by corral, the
 * simulator served by corral, the database an embedded PostgreSQL (PGlite).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { request } from 'undici'
import type { Running } from '../support/corral.js'
import { GENEROUS_BUDGETS, embeddedDatabase, getJson, post, put, startShopStack, type ShopStack } from './shop-fixture.js'

/** A GET on a connection of its own (closed after): the master hands each new connection to the next worker. */
async function onFreshConnection(url: string): Promise<{ status: number; body: any }> {
  const res = await request(url, { reset: true })
  return { status: res.statusCode, body: await res.body.json() }
}

describe('the shop on embedded PostgreSQL', () => {
  let stack: ShopStack
  let shop: Running
  let db: ShopStack['db']

  before(async () => {
    stack = await startShopStack(await embeddedDatabase(), { env: { REDIS_URL: '', ...GENEROUS_BUDGETS, SHOP_STOCK_TTL_MS: '60000' } })
    ;({ shop, db } = stack)
  })
  after(async () => { await stack?.stop() })

  it('serves the product page with every field and nothing degraded', async () => {
    const { status, body } = await getJson(`${shop.url}/api/products/3`, { headers: { 'x-user-id': '2' } })
    assert.equal(status, 200)
    assert.deepEqual(body.product, { id: 3, name: 'Product 3', description: body.product.description })
    assert.match(body.product.description, /number 3 of the catalog/)
    assert.equal(body.stock, 10 + (3 * 13) % 200)
    assert.equal(body.price, 105.29) // the price service's discounted price, not the list price (116.99)
    assert.deepEqual(body.recommendations, [153, 284, 415, 546])
    assert.equal(body.is_favorite, true) // (2 + 3) % 5 === 0 in the simulated favorites service
    assert.deepEqual(body.degraded, [])
  })

  it('answers an anonymous visitor with is_favorite false, not degraded', async () => {
    const { body } = await getJson(`${shop.url}/api/products/4`)
    assert.equal(body.is_favorite, false)
    assert.deepEqual(body.degraded, [])
  })

  it('answers 404 for an unknown product and 400 naming the field for a bad id', async () => {
    const missing = await getJson(`${shop.url}/api/products/4999999`)
    assert.equal(missing.status, 404)
    assert.equal(missing.body.error.code, 'SHOP_NOT_FOUND')
    for (const bad of ['abc', '0', '-1', '1.5', '99999999999']) {
      const r = await getJson(`${shop.url}/api/products/${bad}`)
      assert.equal(r.status, 400, bad)
      assert.equal(r.body.error.field, 'id')
    }
    const badUser = await getJson(`${shop.url}/api/products/3`, { headers: { 'x-user-id': 'me' } })
    assert.equal(badUser.status, 400)
    assert.equal(badUser.body.error.field, 'X-User-Id')
  })

  it('lists products a page at a time', async () => {
    const { status, body } = await getJson(`${shop.url}/api/products?page=2&limit=3`)
    assert.equal(status, 200)
    assert.deepEqual(body.items.map((p: { id: number }) => p.id), [4, 5, 6])
    assert.deepEqual(Object.keys(body.items[0]).sort(), ['id', 'listPrice', 'name', 'stock'])
    assert.equal(body.total, 5000)
    assert.equal(body.pages, 1667)
    const first = await getJson(`${shop.url}/api/products`)
    assert.equal(first.body.items.length, 20)
    assert.equal(first.body.items[0].id, 1)
    const beyond = await getJson(`${shop.url}/api/products?page=9999&limit=100`)
    assert.deepEqual(beyond.body.items, [])
    for (const [q, field] of [['limit=0', 'limit'], ['limit=101', 'limit'], ['page=0', 'page'], ['page=x', 'page']]) {
      const r = await getJson(`${shop.url}/api/products?${q}`)
      assert.equal(r.status, 400, q)
      assert.equal(r.body.error.field, field)
    }
  })

  it('serves the gateway: user, orders and products from three services', async () => {
    const { status, body } = await getJson(`${shop.url}/api/gateway/7`)
    assert.equal(status, 200)
    assert.equal(body.user.id, 7)
    assert.equal(body.orders.length, 3)
    assert.equal(body.products.length, 5)
    assert.deepEqual(body.degraded, [])
    assert.equal((await getJson(`${shop.url}/api/gateway/x`)).body.error.field, 'userId')
  })

  it('sets stock, and the product page shows it in every worker at once', async () => {
    // Fresh connections go to the workers in turn: four reads fill both workers' stock caches.
    for (let i = 0; i < 4; i++) assert.equal((await onFreshConnection(`${shop.url}/api/products/11`)).status, 200)
    const r = await put(`${shop.url}/api/products/11/stock`, { stock: 7 })
    assert.deepEqual([r.status, r.body], [200, { id: 11, stock: 7 }])
    // The stock is cached for a minute here: only the write reaching every worker's cache shows 7.
    for (let i = 0; i < 4; i++) {
      assert.equal((await onFreshConnection(`${shop.url}/api/products/11`)).body.stock, 7, `read ${i}`)
    }
    // An order changes the stock the same way.
    assert.equal((await post(`${shop.url}/api/orders`, { productId: 11, quantity: 2 })).status, 201)
    for (let i = 0; i < 4; i++) {
      assert.equal((await onFreshConnection(`${shop.url}/api/products/11`)).body.stock, 5, `read ${i} after the order`)
    }
    assert.equal((await put(`${shop.url}/api/products/4999999/stock`, { stock: 1 })).status, 404)
    for (const body of [{ stock: -1 }, { stock: 1.5 }, { stock: '3' }, {}]) {
      const bad = await put(`${shop.url}/api/products/11/stock`, body)
      assert.equal(bad.status, 400, JSON.stringify(body))
      assert.equal(bad.body.error.field, 'stock')
    }
  })

  it('sells with 201, refuses with 409 when sold out, and 404 for an unknown product', async () => {
    await put(`${shop.url}/api/products/21/stock`, { stock: 2 })
    const bought = await post(`${shop.url}/api/orders`, { productId: 21, quantity: 2 })
    assert.equal(bought.status, 201)
    assert.equal(bought.body.order.productId, 21)
    assert.equal(bought.body.order.quantity, 2)
    assert.equal(bought.body.order.total, bought.body.order.unitPrice * 2)
    assert.match(bought.body.confirmation.jobId, /^\d+$/)
    const soldOut = await post(`${shop.url}/api/orders`, { productId: 21, quantity: 1 })
    assert.equal(soldOut.status, 409)
    assert.equal(soldOut.body.error.code, 'SHOP_SOLD_OUT')
    assert.equal(soldOut.body.error.available, 0)
    const unknown = await post(`${shop.url}/api/orders`, { productId: 4999999 })
    assert.equal(unknown.status, 404)
    const [{ stock }] = await db.sql('SELECT stock FROM products WHERE id = 21')
    assert.equal(stock, 0)
  })

  it('answers 400 naming the field for every kind of bad order, never 500', async () => {
    const cases: [unknown, string][] = [
      ['not json', 'body'], ['[1]', 'body'], ['null', 'body'], [{}, 'productId'], [{ productId: 'one' }, 'productId'],
      [{ productId: 0 }, 'productId'], [{ productId: 1, quantity: 0 }, 'quantity'], [{ productId: 1, quantity: 101 }, 'quantity'],
      [{ productId: 1, quantity: 2.5 }, 'quantity'],
    ]
    for (const [body, field] of cases) {
      const r = await post(`${shop.url}/api/orders`, body)
      assert.equal(r.status, 400, JSON.stringify(body))
      assert.equal(r.body.error.code, 'SHOP_INVALID_FIELD')
      assert.equal(r.body.error.field, field, JSON.stringify(body))
    }
    const badKey = await post(`${shop.url}/api/orders`, { productId: 1 }, { 'idempotency-key': 'has space' })
    assert.equal(badKey.status, 400)
    assert.equal(badKey.body.error.field, 'Idempotency-Key')
  })

  it('replays an order for a retried Idempotency-Key, and refuses the key for another order', async () => {
    await put(`${shop.url}/api/products/31/stock`, { stock: 5 })
    const key = `retry-${process.pid}`
    const first = await post(`${shop.url}/api/orders`, { productId: 31, quantity: 1 }, { 'idempotency-key': key })
    const again = await post(`${shop.url}/api/orders`, { productId: 31, quantity: 1 }, { 'idempotency-key': key })
    assert.equal(first.status, 201)
    assert.equal(again.status, 201)
    assert.deepEqual(again.body, first.body)
    assert.equal(again.headers.get('idempotent-replayed'), 'true')
    const other = await post(`${shop.url}/api/orders`, { productId: 31, quantity: 2 }, { 'idempotency-key': key })
    assert.equal(other.status, 422)
    assert.equal(other.body.error.field, 'Idempotency-Key')
    const [{ stock }] = await db.sql('SELECT stock FROM products WHERE id = 31')
    assert.equal(stock, 4)
  })

  it('runs the order confirmation as a job whose status /api/jobs/:id reports', async () => {
    await put(`${shop.url}/api/products/41/stock`, { stock: 1 })
    const { body } = await post(`${shop.url}/api/orders`, { productId: 41 })
    let job = await getJson(`${shop.url}${body.confirmation.href}`)
    for (let i = 0; i < 100 && job.body.state !== 'done'; i++) { await sleep(100); job = await getJson(`${shop.url}${body.confirmation.href}`) }
    assert.equal(job.status, 200)
    assert.equal(job.body.id, body.confirmation.jobId)
    assert.equal(job.body.queue, 'order-confirmation')
    assert.equal(job.body.state, 'done')
    const [order] = await db.sql('SELECT status FROM orders WHERE id = $1', [body.order.id])
    assert.equal(order.status, 'confirmed')
    assert.equal((await getJson(`${shop.url}/api/jobs/999999999`)).status, 404)
    assert.equal((await getJson(`${shop.url}/api/jobs/abc`)).body.error.field, 'id')
  })

  it('answers 404 in the same JSON shape for a route it does not have', async () => {
    const r = await getJson(`${shop.url}/api/nothing`)
    assert.equal(r.status, 404)
    assert.equal(r.body.error.code, 'SHOP_NOT_FOUND')
  })
})
