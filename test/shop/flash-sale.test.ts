/**
 * The flash sale (seed 001, issue 5): 500 concurrent buyers for 100 items. Exactly 100 orders,
 * stock 0, no key buys twice (100 keys are sent twice at once, and every key is retried after),
 * and one confirmation job per order, run to completion. The same scenario runs on the embedded
 * PGlite and on a real PostgreSQL with Redis as the cache.
 *
 * The rush meets the overload control with little room (at most 8 orders at once per worker, no
 * queue), so part of it is shed: a shed POST gets 503 with Retry-After and never half-happens (no
 * order for a key that was only ever shed), and its buyer retrying with the same key gets the
 * one answer that key has.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Running } from '../support/corral.js'
import { needService, REDIS_URL } from '../support/services.js'
import { Agent, request } from 'undici'
import { embeddedDatabase, put, realDatabase, startShopStack, type ShopStack, type TestDatabase } from './shop-fixture.js'

/** Shedding on, with little room: the adaptive limit within [4, 8] per worker and no queue. */
const SHEDDING = { CORRAL_OVERLOAD_CONTROL: 'true', CORRAL_WORKER_CONNECTIONS: '8', CORRAL_OVERLOAD_QUEUE: '0' }
/** A buyer whose POST was shed retries, as Retry-After asks, this many times at most. */
const RETRIES = 100

const PRODUCT = 77
const STOCK = 100
const BUYERS = 500
const DUPLICATED = 100

interface Answer { status: number; body: any; shed?: boolean }

async function flashSale(shop: Running, db: TestDatabase): Promise<void> {
  assert.equal((await put(`${shop.url}/api/products/${PRODUCT}/stock`, { stock: STOCK })).status, 200)
  const keyOf = (i: number) => `flash-${process.pid}-${i}`
  // Each phase has connections of its own. Reusing the rush's keep-alive connections for the retries
  // would race the server closing them once idle (--keepalive): on a starved machine the client's own
  // keep-alive timer runs late, a POST goes out on a connection the server is closing, and fetch
  // cannot retry a POST. That is every keep-alive client's race, not what this test checks.
  const phase = async <T>(run: (buy: (i: number) => Promise<Answer>) => Promise<T>): Promise<T> => {
    const dispatcher = new Agent()
    try {
      return await run(async (i) => {
        const res = await request(`${shop.url}/api/orders`, {
          method: 'POST', dispatcher,
          headers: { 'content-type': 'application/json', 'idempotency-key': keyOf(i) },
          body: JSON.stringify({ productId: PRODUCT, quantity: 1 }),
        })
        const text = await res.body.text()
        if (res.statusCode === 503 && !String(res.headers['content-type']).includes('json')) {
          assert.equal(res.headers['retry-after'], '1', 'a shed request says when to retry')
          return { status: 503, body: text, shed: true }
        }
        return { status: res.statusCode, body: text ? JSON.parse(text) : undefined }
      })
    } finally {
      await dispatcher.close()
    }
  }

  // Everyone at once, and the first DUPLICATED buyers twice at once (a client retrying before its first answer).
  const rush = await phase((buy) => Promise.all([
    ...Array.from({ length: BUYERS }, (_, i) => buy(i).then((a) => ({ i, a }))),
    ...Array.from({ length: DUPLICATED }, (_, i) => buy(i).then((a) => ({ i, a }))),
  ]))
  // A POST that was shed never half-happened: a key that was only ever shed has no order.
  const shedKeys = new Set(rush.filter(({ a }) => a.shed).map(({ i }) => i))
  for (const { i, a } of rush) if (!a.shed) shedKeys.delete(i)
  assert.ok(rush.some(({ a }) => a.shed), 'the rush was shed in part (the test is about shedding)')
  const halfDone = await db.sql('SELECT idempotency_key FROM orders WHERE idempotency_key = ANY($1)', [[...shedKeys].map(keyOf)])
  assert.deepEqual(halfDone, [], 'no order exists for a key whose every POST was shed')

  // Then every buyer retries, after the sale, until an answer that is not a shed one (Retry-After: 1 s; a tenth here).
  const retries = await phase((buy) => Promise.all(Array.from({ length: BUYERS }, async (_, i) => {
    for (let attempt = 0; ; attempt++) {
      const a = await buy(i)
      if (!a.shed || attempt >= RETRIES) return { i, a }
      await sleep(100)
    }
  })))

  const answered = (all: { i: number; a: Answer }[]) => all.filter(({ a }) => !a.shed)
  const byKey = new Map<number, Answer[]>()
  for (const { i, a } of answered([...rush, ...retries])) byKey.set(i, [...(byKey.get(i) ?? []), a])
  const unexpected = [...rush, ...retries].filter(({ a }) => a.status !== 201 && a.status !== 409 && !a.shed)
  assert.deepEqual(unexpected.slice(0, 3), [], 'every answer is 201 or 409')
  assert.equal(byKey.size, BUYERS, 'every buyer got an answer that was not shed')

  let bought = 0
  for (const [i, answers] of byKey) {
    // All answers for one key agree: the same order (same body), or all sold out.
    const first = answers[0]
    for (const a of answers) {
      assert.equal(a.status, first.status, `key ${i}`)
      if (a.status === 201) assert.deepEqual(a.body, first.body, `key ${i} replays its order`)
    }
    if (first.status === 201) bought++
  }
  assert.equal(bought, STOCK, 'exactly as many buyers as items got an order')

  const [{ stock }] = await db.sql('SELECT stock FROM products WHERE id = $1', [PRODUCT])
  assert.equal(stock, 0)
  const orders = await db.sql('SELECT id::int, idempotency_key, confirmation_job_id::text AS job FROM orders WHERE product_id = $1', [PRODUCT])
  assert.equal(orders.length, STOCK)
  assert.equal(new Set(orders.map((o) => o.idempotency_key)).size, STOCK)
  const ordered = new Set([...byKey.values()].filter((a) => a[0].status === 201).map((a) => a[0].body.order.id))
  assert.deepEqual([...ordered].sort(), orders.map((o) => o.id).sort(), 'the orders answered are the orders stored')

  // One confirmation job per order, recorded on the order, and each runs to done.
  const jobs = await db.sql(`SELECT id::text, (payload->>'orderId')::int AS "orderId" FROM corral.jobs
    WHERE queue = 'order-confirmation' AND (payload->>'orderId')::int = ANY($1)`, [orders.map((o) => o.id)])
  assert.equal(jobs.length, STOCK)
  assert.equal(new Set(jobs.map((j) => j.orderId)).size, STOCK)
  const jobOf = new Map(jobs.map((j) => [j.orderId, j.id]))
  for (const o of orders) assert.equal(o.job, jobOf.get(o.id), `order ${o.id} names its job`)

  let confirmed = 0
  for (let tries = 0; tries < 300 && confirmed < STOCK; tries++) {
    [{ confirmed }] = await db.sql("SELECT count(*)::int AS confirmed FROM orders WHERE product_id = $1 AND status = 'confirmed'", [PRODUCT])
    if (confirmed < STOCK) await sleep(100)
  }
  assert.equal(confirmed, STOCK, 'every order was confirmed by its job')
}

describe('the flash sale on embedded PostgreSQL (PGlite)', () => {
  let stack: ShopStack
  before(async () => { stack = await startShopStack(await embeddedDatabase(), { env: { REDIS_URL: '', ...SHEDDING } }) })
  after(async () => { await stack?.stop() })

  it('sells exactly 100 items to 500 concurrent buyers with shedding on, never twice per key, one confirmation job each', async () => {
    await flashSale(stack.shop, stack.db)
  })
})

describe('the flash sale on PostgreSQL with Redis', () => {
  let stack: ShopStack | undefined
  after(async () => { await stack?.stop() })

  it('sells exactly 100 items to 500 concurrent buyers with shedding on, never twice per key, one confirmation job each', async (t) => {
    if (!(await needService(t, 'postgres')) || !(await needService(t, 'redis'))) return
    stack = await startShopStack(await realDatabase(), { env: { REDIS_URL, SHOP_CACHE_PREFIX: `shop-test-${process.pid}:`, ...SHEDDING } })
    await flashSale(stack.shop, stack.db)
  })
})
