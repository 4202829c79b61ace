/**
 * A PostgreSQL restart under load (issue 13 part 4), on a private server of this test's own (never
 * the shared one on 5432): the shop's orders get 503 with Retry-After while it is down, pages
 * their fallbacks or 503, never a 500 or a hang; once it is back the pools reconnect by themselves.
 * The time to recover is the first order bought after the server accepts connections again.
 * Every order has exactly one confirmation job, and every 201 a client saw is an order stored.
 */
import { it } from 'node:test'
import assert from 'node:assert/strict'
import pg from 'pg'
import { migrate } from '../../src/io/db/migrate.js'
import { privatePostgres } from '../support/private-postgres.js'
import { MIGRATIONS, put, startShop } from '../shop/shop-fixture.js'
import { recoveredAfter, shopLoad, testUpstream, unacceptable, waitForAnswer, type Answer } from './fault-load.js'

const PRODUCT = 9
const statuses = (answers: Answer[]) => answers.reduce<Record<string, number>>((n, a) => {
  const k = `${a.kind} ${a.status}${a.error ? ` ${a.error}` : ''}`
  return { ...n, [k]: (n[k] ?? 0) + 1 }
}, {})

it('PostgreSQL restarted under load: orders 503 while it is down, no 500, and the shop recovers by itself', async (t) => {
  const server = await privatePostgres(t)
  if (!server) return
  await migrate(server.url, MIGRATIONS)
  const upstream = await testUpstream()
  t.after(() => upstream.close())
  const shop = await startShop(t, { databaseUrl: server.url, servicesUrl: upstream.url, env: { REDIS_URL: '' } })
  assert.equal((await put(`${shop.url}/api/products/${PRODUCT}/stock`, { stock: 1_000_000 })).status, 200)

  const load = shopLoad(shop.url, { product: PRODUCT, maxMs: 40_000 })
  await waitForAnswer(load.answers, 0, (a) => a.status === 201)
  const stoppedAt = load.now()
  await server.stop()
  // Evidence from the shop that it met the outage: an order refused with 503.
  await waitForAnswer(load.answers, stoppedAt, (a) => a.kind === 'order' && a.status === 503)
  await server.start()
  const backAt = load.now()
  await waitForAnswer(load.answers, backAt, (a) => a.status === 201, 30_000)
  const answers = await load.stop()
  const during = answers.filter((a) => a.sentAt >= stoppedAt && a.sentAt < backAt)
  console.log(`# PostgreSQL restart: down ${backAt - stoppedAt}ms; during ${JSON.stringify(statuses(during))}; first order bought ${recoveredAfter(answers, backAt, 'order')}ms after it accepted connections again`)
  assert.deepEqual(unacceptable(answers), [], JSON.stringify(unacceptable(answers).slice(0, 3)))

  const client = new pg.Client({ connectionString: server.url })
  await client.connect()
  try {
    const { rows: [counts] } = await client.query(`SELECT count(*)::int AS orders,
        count(*) FILTER (WHERE confirmation_job_id IS NULL)::int AS "withoutJob",
        (SELECT count(*)::int FROM corral.jobs WHERE queue = 'order-confirmation') AS jobs,
        (SELECT count(DISTINCT (payload->>'orderId'))::int FROM corral.jobs WHERE queue = 'order-confirmation') AS "orderedJobs"
      FROM orders WHERE product_id = $1`, [PRODUCT])
    assert.ok(counts.orders > 0)
    assert.deepEqual(counts, { orders: counts.orders, withoutJob: 0, jobs: counts.orders, orderedJobs: counts.orders }, 'one confirmation job per order')
    const bought = answers.flatMap((a) => (a.orderId === undefined ? [] : [a.orderId]))
    const stored = await client.query('SELECT id::int FROM orders WHERE id = ANY($1)', [bought])
    assert.equal(stored.rows.length, new Set(bought).size, 'every order a client was told it bought is stored')
  } finally {
    await client.end()
  }
})
