/**
 * A failing or slow upstream costs its field, never the page (seed 000's gather with
 * return_exceptions, issue 5): the simulator is started with failure rates and latencies that
 * break some services, and the shop must still answer 200 with those fields degraded and named.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, type Running } from '../support/corral.js'
import { GENEROUS_BUDGETS, embeddedDatabase, getJson, startShop, startSimulator, type TestDatabase } from './shop-fixture.js'
import { readBehaviour } from '../../examples/shop/services/behaviour.js'

let db: TestDatabase
before(async () => { db = await embeddedDatabase() })
after(async () => { await db?.close() })

describe('with the price service failing and recommendations slow (simulator config file)', () => {
  let dir: string
  let simulator: Running
  let shop: Running
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shop-sim-'))
    const file = join(dir, 'sim.json')
    writeFileSync(file, JSON.stringify({
      price: { failureRate: 1 },
      recommend: { latency: { dist: 'uniform', min: 3000, max: 3500 } },
      user: { failureRate: 1, failStatus: 500 },
    }))
    simulator = await startSimulator(undefined, { SIM_CONFIG_FILE: file })
    shop = await startShop(undefined, {
      databaseUrl: db.url, servicesUrl: simulator.url, workers: 1,
      env: { REDIS_URL: '', ...GENEROUS_BUDGETS, SHOP_TIMEOUT_RECOMMENDATIONS_MS: '300' },
    })
  })
  after(async () => {
    await shop?.stop()
    await simulator?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('answers the product page with price and recommendations degraded, the rest intact', async () => {
    const started = Date.now()
    const { status, body } = await getJson(`${shop.url}/api/products/3`, { headers: { 'x-user-id': '2' } })
    assert.equal(status, 200)
    assert.deepEqual(body.degraded, ['price', 'recommendations'])
    assert.equal(body.price, 116.99) // the list price from the database, seed 000's fallback
    assert.deepEqual(body.recommendations, [])
    assert.equal(body.is_favorite, true)
    assert.equal(body.stock, 49)
    assert.equal(body.product.id, 3)
    // The slow call was cut at its budget, not waited for (the simulator takes >= 3 s).
    assert.ok(Date.now() - started < 2500, `took ${Date.now() - started}ms`)
  })

  it('answers the gateway with the user degraded to null and the other services intact', async () => {
    const { status, body } = await getJson(`${shop.url}/api/gateway/7`)
    assert.equal(status, 200)
    assert.equal(body.user, null)
    assert.deepEqual(body.degraded, ['user'])
    assert.equal(body.orders.length, 3)
    assert.equal(body.products.length, 5)
  })
})

describe('with every service down (nothing listening)', () => {
  let shop: Running
  before(async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`
    shop = await startShop(undefined, { databaseUrl: db.url, servicesUrl: nobody, workers: 1, env: { REDIS_URL: '', ...GENEROUS_BUDGETS } })
  })
  after(async () => { await shop?.stop() })

  it('still answers the product page from the database, every service field degraded', async () => {
    for (let i = 0; i < 10; i++) { // past the breaker opening, too
      const { status, body } = await getJson(`${shop.url}/api/products/3`, { headers: { 'x-user-id': '2' } })
      assert.equal(status, 200)
      assert.deepEqual(body.degraded, ['price', 'recommendations', 'is_favorite'])
      assert.equal(body.price, 116.99)
      assert.deepEqual(body.recommendations, [])
      assert.equal(body.is_favorite, false)
      assert.equal(body.stock, 49)
    }
  })

  it('still answers the gateway, all three fields degraded', async () => {
    const { status, body } = await getJson(`${shop.url}/api/gateway/7`)
    assert.equal(status, 200)
    assert.deepEqual(body, { user: null, orders: [], products: [], degraded: ['user', 'orders', 'products'] })
  })

  it('still answers 404 for an unknown product', async () => {
    assert.equal((await getJson(`${shop.url}/api/products/4999999`)).status, 404)
  })
})

describe('the simulator behaviour config', () => {
  it('names what is wrong in a bad config instead of using a default', () => {
    assert.throws(() => readBehaviour({ SIM_CONFIG: '{"price": {"failureRate": 2}}' }), /price\.failureRate: expected a number from 0 to 1, received 2/)
    assert.throws(() => readBehaviour({ SIM_CONFIG: '{"pricing": {}}' }), /one of price, recommend/)
    assert.throws(() => readBehaviour({ SIM_CONFIG: '{"user": {"latency": {"dist": "normal"}}}' }), /user\.latency: expected/)
    assert.throws(() => readBehaviour({ SIM_RECOMMEND_LATENCY_MS: 'slow' }), /SIM_RECOMMEND_LATENCY_MS/)
    assert.throws(() => readBehaviour({ SIM_CONFIG: '{oops' }), /SIM_CONFIG: expected JSON/)
  })

  it('layers defaults, the file or inline JSON, then per-service env', () => {
    const b = readBehaviour({ SIM_CONFIG: '{"price": {"latency": 10, "failureRate": 0.5}}', SIM_PRICE_FAILURE_RATE: '0.25' })
    assert.deepEqual(b.price, { latency: 10, failureRate: 0.25, failStatus: 503 })
    assert.equal(b.recommend.latency, 200)
  })
})
