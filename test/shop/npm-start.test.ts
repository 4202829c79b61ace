/**
 * `npm start` on a fresh machine (issue 5): the shop's config with no DATABASE_URL, no REDIS_URL
 * and no service URLs. It says where it listens and which backends it uses, answers, stops
 * cleanly on Ctrl-C (simulator included), and the next start keeps the data.
 *
 * The master resolves the database here (the embedded PGlite in --data-dir, migrations applied)
 * and hands workers DATABASE_URL.
 */
import { it, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { connect } from 'node:net'
import { freshDataDir } from '../io/db/embedded-fixture.js'
import { startCorral, type Running } from '../support/corral.js'
import { connectedRequest } from '../support/connected-request.js'
import { GENEROUS_BUDGETS, SHOP_APP, SHOP_CONFIG, getJson, put } from './shop-fixture.js'

const FRESH_MACHINE = { DATABASE_URL: '', CORRAL_DATABASE_URL: '', REDIS_URL: '', SHOP_SERVICES_URL: '', CORRAL_LOG_LEVEL: 'info' }

const refused = (url: string) => new Promise<boolean>((resolve) => {
  const { hostname, port } = new URL(url)
  const s = connect(Number(port), hostname)
  s.once('connect', () => { s.destroy(); resolve(false) })
  s.once('error', () => resolve(true))
})

async function npmStart(t: TestContext, dataDir: string): Promise<Running> {
  const shop = await startCorral(t, SHOP_APP, {
    // Budgets far above any latency: this checks what `npm start` starts, stops and keeps, and a
    // busy machine (CI runs two test files at a time) must not turn a slow first lookup into a 503.
    args: ['--config', SHOP_CONFIG, '--data-dir', dataDir, '--workers', '2'], env: { ...FRESH_MACHINE, ...GENEROUS_BUDGETS }, noWait: true,
  })
  await shop.waitFor(/Shop ready at .*\n.*\n.*\n.*services: .*\n/, 90_000)
  return shop
}

it('starts with embedded PostgreSQL, memory cache and simulated services, stops on Ctrl-C, and keeps its data', async (t) => {
  const dataDir = await freshDataDir()
  t.after(() => rmSync(dataDir, { recursive: true, force: true }))

  const first = await npmStart(t, dataDir)
  const out = first.output()
  assert.match(out, /Listening at: http:\/\/127\.0\.0\.1:\d+/)
  assert.match(out, /database: embedded PostgreSQL \(PGlite\)/)
  assert.match(out, /cache: in-process memory/)
  const simulatorUrl = /services: simulated at (http:\/\/[\d.:]+)/.exec(out)?.[1]
  assert.ok(simulatorUrl, out)

  assert.equal((await getJson(`${first.url}/api/products/1`)).status, 200)
  assert.deepEqual((await put(`${first.url}/api/products/1/stock`, { stock: 4242 })).body, { id: 1, stock: 4242 })

  const stopped = await first.stop('SIGINT')
  assert.equal(stopped.code, 0, first.output())
  for (let i = 0; i < 50 && !(await refused(simulatorUrl)); i++) await new Promise((r) => setTimeout(r, 100))
  assert.ok(await refused(simulatorUrl), 'the simulator stopped with the shop')

  const second = await npmStart(t, dataDir)
  const again = second
  try {
    assert.equal((await getJson(`${again.url}/api/products/1`)).status, 200)
    const list = (await getJson(`${again.url}/api/products?limit=1`)).body
    assert.equal(list.items[0].stock, 4242, 'the stock set before the restart')
    assert.equal(list.total, 5000, 'the seed ran once, not twice')
  } finally {
    assert.equal((await again.stop('SIGINT')).code, 0)
  }
})

it('drains without a failed request when SIGTERM reaches its whole process group (systemd, `timeout`, `kill -TERM -PGID`)', async (t) => {
  const dataDir = await freshDataDir()
  t.after(() => rmSync(dataDir, { recursive: true, force: true }))
  const shop = await startCorral(t, SHOP_APP, {
    // Budgets far above any latency: this checks that every request is answered, not how fast, and
    // a busy machine must not turn a slow product lookup into a 503. For the same reason no worker
    // may run fewer than the 30 requests at once: on a busy machine the burst's split between the
    // workers is uneven (one got at least 22 in a CI run), and a fresh worker whose limit found it
    // saturated shed past its initial 20. That worker now stretches to 40 until it has measured a
    // window (test/overload/io-bound.test.ts); the floor keeps this test about the drain whatever
    // the limit has learnt by then. The control stays on (and with it the burst intake the drain has
    // to stop); its shedding is proven in test/overload.
    args: ['--config', SHOP_CONFIG, '--data-dir', dataDir, '--workers', '2', '--overload-min-limit', '32'], env: { ...FRESH_MACHINE, ...GENEROUS_BUDGETS }, noWait: true, processGroup: true,
  })
  await shop.waitFor(/Shop ready at .*\n.*\n.*\n.*services: .*\n/, 90_000)
  // Both workers hold idle database connections (a database that stopped at the signal would
  // reset those, and pg throws that from nowhere in particular): each answered page returned its
  // connection to the pool, where it stays idle, so the answers are the evidence, not a wait.
  const warm = await Promise.all(Array.from({ length: 20 }, (_, i) => getJson(`${shop.url}/api/products/${40 + i}`)))
  assert.deepEqual(warm.map((r) => r.status), Array(20).fill(200))
  // ...and requests that read and write the database are under way when the signal lands. Each
  // has reached the server (its connection is established) before the signal: wherever it is then,
  // in the listen queue, with a worker or at the database, it must be answered.
  const inFlight = Array.from({ length: 30 }, (_, i) => i % 2
    ? connectedRequest(`${shop.url}/api/products/${1 + i}`)
    : connectedRequest(`${shop.url}/api/products/${1 + i}/stock`, { method: 'PUT', body: JSON.stringify({ stock: 100 + i }), headers: { 'content-type': 'application/json' } }))
  await Promise.all(inFlight.map((r) => r.connected))
  const stopped = await shop.stop('SIGTERM')
  const answers = await Promise.all(inFlight.map((r) => r.answer))
  const failed = answers.filter((a) => a instanceof Error || a.status !== 200).map((a) => (a instanceof Error ? a.message : `${a.status} ${a.body}`))
  assert.deepEqual(failed, [], `every request that reached the server was answered\n${shop.output()}`)
  assert.equal(stopped.code, 0, shop.output())
  assert.doesNotMatch(shop.output(), /uncaught exception|"code":1/, 'no worker crashed on the way out')
})
