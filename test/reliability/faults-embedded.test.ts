/**
 * Faults under load on the shop as `npm start` runs it (issue 13 part 4): the master serves the
 * embedded PGlite, workers cache in memory in front of a private Redis, and the upstream services
 * are a test server that can fail or stall. One boot serves every case, one after another, each under a bounded mixed load
 * (product pages and orders). For each: every request is answered, with its fallback (a degraded
 * page) or 503 with Retry-After, never a 500, a reset or a hang; the time to recover (the first
 * good answer sent after the fault ended) is printed. Orders are never lost or doubled: at the end
 * every order has exactly one confirmation job, and every 201 the client saw is an order stored.
 */
import { after, before, describe, it, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { Redis } from 'ioredis'
import { privateRedis, type PrivateRedis } from '../io/private-redis.js'
import { freshDataDir } from '../io/db/embedded-fixture.js'
import { startCorral, withServerLog, type Running } from '../support/corral.js'
import { SHOP_APP, SHOP_CONFIG, put } from '../shop/shop-fixture.js'
import { recoveredAfter, shopLoad, testUpstream, unacceptable, waitForAnswer, type Answer } from './fault-load.js'

const PRODUCT = 9
const show = (answers: Answer[]) => JSON.stringify(answers.slice(0, 3))
const statuses = (answers: Answer[]) => answers.reduce<Record<string, number>>((n, a) => ({ ...n, [`${a.kind} ${a.status}${a.error ? ` ${a.error}` : ''}`]: (n[`${a.kind} ${a.status}${a.error ? ` ${a.error}` : ''}`] ?? 0) + 1 }), {})

describe('the shop on the embedded database, under load, through faults', () => {
  let dataDir: string
  let upstream: Awaited<ReturnType<typeof testUpstream>>
  let shop: Running
  let redis: PrivateRedis | undefined
  let noRedis: string | undefined
  const cleanups: (() => Promise<void>)[] = []
  /** Every order a client was told it bought, across the cases. */
  const bought: number[] = []
  const remember = (answers: Answer[]) => { for (const a of answers) if (a.orderId !== undefined) bought.push(a.orderId) }

  before(async () => {
    // The suite's hooks have no TestContext: privateRedis gets what it uses of one.
    const hooks = { skip: (why: string) => { noRedis = why }, after: (fn: () => Promise<void>) => { cleanups.push(fn) } }
    redis = await privateRedis(hooks as unknown as TestContext)
    dataDir = await freshDataDir()
    upstream = await testUpstream()
    shop = await startCorral(undefined, SHOP_APP, {
      args: ['--config', SHOP_CONFIG, '--data-dir', dataDir, '--workers', '2'],
      env: { DATABASE_URL: '', CORRAL_DATABASE_URL: '', REDIS_URL: redis?.url ?? '', SHOP_SERVICES_URL: upstream.url, CORRAL_LOG_LEVEL: 'info' },
      noWait: true, timeoutMs: 90_000,
    })
    await withServerLog(shop, async () => {
      await shop.waitFor(/Shop ready at /, 90_000)
      assert.equal((await put(`${shop.url}/api/products/${PRODUCT}/stock`, { stock: 1_000_000 })).status, 200)
    })
  })
  after(async () => {
    await shop?.stop()
    await upstream?.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
    for (const cleanup of cleanups) await cleanup()
  })

  const workers = async () => ((await (await fetch(`${shop.admin}/status`)).json()) as { workers: { pid: number; state: string }[] }).workers

  it('a worker SIGKILLed: the master replaces it; only the requests it had in flight are lost', async () => {
    const load = shopLoad(shop.url, { product: PRODUCT, maxMs: 30_000 })
    await waitForAnswer(load.answers, 0, (a) => a.status === 201)
    const [victim] = await workers()
    const killedAt = load.now()
    process.kill(victim!.pid, 'SIGKILL')
    let replacedAt: number | undefined
    for (let i = 0; i < 300 && replacedAt === undefined; i++) {
      const now = await workers()
      if (now.length === 2 && now.every((w) => w.pid !== victim!.pid && w.state === 'ready')) replacedAt = load.now()
      else await new Promise((r) => setTimeout(r, 100))
    }
    assert.ok(replacedAt !== undefined, 'a new worker was ready within 30 s')
    // Evidence that it serves: good answers keep coming after the replacement.
    await waitForAnswer(load.answers, replacedAt, (a) => a.status === 201)
    const answers = await load.stop()
    const lost = answers.filter((a) => a.status === 0)
    console.log(`# worker SIGKILL: ${answers.length} requests, ${lost.length} lost in flight (${JSON.stringify(statuses(lost))}), replacement ready ${replacedAt - killedAt}ms after the kill`)
    // A SIGKILL gives the worker no chance to answer what it holds: at most one request per connection.
    assert.ok(lost.length <= 6, `lost more than the load's 6 connections could hold: ${show(lost)}`)
    assert.deepEqual(unacceptable(answers.filter((a) => a.status !== 0)), [])
    remember(answers)
  })

  it('the embedded database process killed: answers are degraded or 503, and the master restarts it', async () => {
    const load = shopLoad(shop.url, { product: PRODUCT, maxMs: 40_000 })
    await waitForAnswer(load.answers, 0, (a) => a.status === 201)
    const pid = Number(readFileSync(join(dataDir, 'corral-embedded.pid'), 'utf8'))
    const killedAt = load.now()
    process.kill(pid, 'SIGKILL')
    await shop.waitFor(/The embedded PostgreSQL serves again/, 60_000)
    const backAt = load.now()
    await waitForAnswer(load.answers, backAt, (a) => a.status === 201, 30_000)
    const answers = await load.stop()
    const during = answers.filter((a) => a.sentAt >= killedAt && a.sentAt < backAt)
    console.log(`# embedded database killed: restarted ${backAt - killedAt}ms after the kill; first order bought ${recoveredAfter(answers, backAt, 'order')}ms after it served again; during: ${JSON.stringify(statuses(during))}`)
    assert.deepEqual(unacceptable(answers), [], show(unacceptable(answers)))
    remember(answers)
  })

  it('Redis behind the cache stopped and started again: pages are served throughout, and the shop writes to Redis again', async (t) => {
    if (!redis) return t.skip(noRedis)
    const load = shopLoad(shop.url, { product: PRODUCT, maxMs: 40_000 })
    await waitForAnswer(load.answers, 0, (a) => a.status === 201)
    const stoppedAt = load.now()
    await redis.kill()
    let pagesDuring = 0
    await waitForAnswer(load.answers, stoppedAt, (a) => a.kind === 'page' && a.status === 200 && ++pagesDuring >= 6)
    await redis.start()
    const startedAt = load.now()
    // Evidence the shop uses it again: keys it writes appear in the fresh (empty) Redis.
    const probe = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 })
    await probe.connect()
    let writtenAt: number | undefined
    try {
      for (let i = 0; i < 300 && writtenAt === undefined; i++) {
        if ((await probe.dbsize()) > 0) writtenAt = load.now()
        else await new Promise((r) => setTimeout(r, 100))
      }
    } finally {
      probe.disconnect()
    }
    const answers = await load.stop()
    assert.ok(writtenAt !== undefined, 'the shop wrote to Redis within 30 s of its restart')
    const during = answers.filter((a) => a.sentAt >= stoppedAt && a.sentAt < startedAt)
    console.log(`# Redis stopped: during ${JSON.stringify(statuses(during))}; the shop wrote to Redis ${writtenAt - startedAt}ms after it started again, first good answer ${recoveredAfter(answers, startedAt)}ms after`)
    assert.deepEqual(unacceptable(answers), [], show(unacceptable(answers)))
    remember(answers)
  })

  it('an upstream failing every call, then one stalling 10 s: pages fall back within their budgets', async () => {
    const load = shopLoad(shop.url, { product: PRODUCT, maxMs: 40_000, clientTimeoutMs: 8_000 })
    await waitForAnswer(load.answers, 0, (a) => a.kind === 'page' && a.status === 200 && !a.degraded?.length)
    for (const mode of ['fail', 'stall'] as const) {
      const from = load.now()
      upstream.mode = mode
      // Evidence from the shop: enough pages answered with the upstream fields degraded.
      await waitForAnswer(load.answers, from, (a) => a.kind === 'page' && (a.degraded?.includes('price') ?? false))
      // A few more pages in the fault, so each worker's pool meets it.
      let degraded = 0
      await waitForAnswer(load.answers, from, (a) => a.kind === 'page' && (a.degraded?.includes('price') ?? false) && ++degraded >= 12)
      upstream.mode = 'ok'
      const healed = load.now()
      await waitForAnswer(load.answers, healed, (a) => a.kind === 'page' && a.status === 200 && !a.degraded?.length)
      const pages = load.answers.filter((a) => a.kind === 'page' && a.sentAt >= from && a.sentAt < healed)
      const slowest = Math.max(...pages.map((a) => a.at - a.sentAt))
      console.log(`# upstream ${mode}: ${pages.length} pages (${JSON.stringify(statuses(pages))}), slowest ${slowest}ms; recovered ${recoveredAfter(load.answers, healed, 'page')}ms after it healed`)
    }
    const answers = await load.stop()
    assert.deepEqual(unacceptable(answers), [], show(unacceptable(answers)))
    remember(answers)
  })

  it('lost no order and doubled none: each order has exactly one confirmation job', async () => {
    const client = new pg.Client({ connectionString: `postgres://postgres@localhost:5432/postgres?host=${encodeURIComponent(dataDir)}` })
    await client.connect()
    try {
      const { rows } = await client.query(`SELECT count(*)::int AS orders,
          count(*) FILTER (WHERE confirmation_job_id IS NULL)::int AS without_job,
          (SELECT count(*)::int FROM corral.jobs WHERE queue = 'order-confirmation') AS jobs,
          (SELECT count(DISTINCT (payload->>'orderId'))::int FROM corral.jobs WHERE queue = 'order-confirmation') AS ordered_jobs
        FROM orders WHERE product_id = $1`, [PRODUCT])
      const [{ orders, without_job, jobs, ordered_jobs }] = rows
      console.log(`# orders: ${orders}, confirmation jobs: ${jobs}`)
      assert.ok(orders > 0)
      assert.equal(without_job, 0, 'no order without its job')
      assert.equal(jobs, orders, 'one job per order')
      assert.equal(ordered_jobs, orders, 'no order with two jobs')
      const stored = await client.query('SELECT id::int FROM orders WHERE id = ANY($1)', [bought])
      assert.equal(stored.rows.length, new Set(bought).size, 'every order a client was told it bought is stored')
    } finally {
      await client.end()
    }
  })
})
