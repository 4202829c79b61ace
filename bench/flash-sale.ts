/**
 * Script (not a test: minutes of load): the flash sale at 10,000 concurrent buyers (issue 13, part
 * 10), test/shop/flash-sale.test.ts at twenty times its size. The shop is served by corral as
 * `npm start` serves it, with its services simulator and a fresh database; every buyer opens a
 * connection of its own and posts one order at the same moment, the first --duplicates of them
 * twice at once (a client retrying before its first answer), then every buyer retries once more
 * after the sale. A buyer told 503 (the shop is overloaded: overload control sheds what it cannot
 * serve in time, docs/overload.md) asks again after its Retry-After, as a browser or an app would,
 * up to MAX_503 times; the report counts those 503s. It checks what the test checks: exactly the
 * stock is sold, every buyer's last answer is 201 or 409 (no 5xx, no socket error; a 500 is never
 * retried), each key gets one order and the same one on every answer, the orders answered are the
 * orders stored, and each order has its confirmation job, run to done.
 *
 *   npm run build && node --import tsx bench/flash-sale.ts [--buyers 10000] [--stock 1000]
 *     [--duplicates 1000] [--workers 2] [--database-url postgres://…] [--redis-url redis://…]
 *     [--deadline 600] [--out bench/results/reliability.md]
 *
 * Without --database-url it runs the embedded PGlite in a temporary folder. Bounded: every request
 * has a 120 s limit, and the whole run stops at --deadline seconds, failing. Loopback only. It needs
 * a descriptor limit above buyers + duplicates (ulimit -n). Exit code 0 when every check holds.
 */
import { mkdtempSync, rmSync, appendFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { Agent, request } from 'undici'
import { freePort, startServer, stopServer, type RunningServer } from './server-process.js'
import { startShopServices, type ShopServices } from './shop/stack.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const { values: a } = parseArgs({ options: {
  buyers: { type: 'string', default: '10000' }, stock: { type: 'string', default: '1000' }, duplicates: { type: 'string', default: '1000' },
  workers: { type: 'string', default: '2' }, 'database-url': { type: 'string' }, 'redis-url': { type: 'string' },
  deadline: { type: 'string', default: '600' }, out: { type: 'string' },
} })
const BUYERS = Number(a.buyers)
const STOCK = Number(a.stock)
const DUPLICATED = Math.min(BUYERS, Number(a.duplicates))
const PRODUCT = 77
const REQUEST_LIMIT_MS = 120_000
/** How many 503s one buyer's request takes before its answer is the 503. */
const MAX_503 = 30

interface Answer { status: number; body: any; ms: number; error?: string; shed?: number }

const pct = (sorted: number[], p: number) => sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN

async function main(): Promise<number> {
  const cleanups: (() => Promise<void> | void)[] = []
  const logDir = mkdtempSync(join(tmpdir(), 'corral-flash-sale-'))
  // A failed run keeps the shop's and the services' logs: the 10,000-buyer run's 500s went unexplained once their log left with this folder.
  let keepLogs = false
  cleanups.push(() => { if (keepLogs) console.log(`flash sale: the logs are kept in ${logDir}`); else rmSync(logDir, { recursive: true, force: true }) })
  // The run's bound: past it, every process group started here is killed and the run fails.
  const groups: number[] = []
  const overdue = setTimeout(() => {
    console.error(`flash sale: past the ${a.deadline} s deadline, stopping`)
    for (const pid of groups) try { process.kill(-pid, 'SIGKILL') } catch { /* gone */ }
    console.error(`flash sale: the logs are kept in ${logDir}`)
    process.exit(2)
  }, Number(a.deadline) * 1000)
  overdue.unref()
  try {
    const services: ShopServices = await startShopServices({
      root, node: process.execPath, port: await freePort(24000), simulatorWorkers: 1, databaseUrl: a['database-url'], logDir, onSpawn: (pid) => groups.push(pid),
    })
    cleanups.push(() => services.close())
    const port = await freePort(25000)
    const shop: RunningServer = await startServer({
      command: process.execPath,
      args: [join(root, 'dist/cli/main.js'), 'serve', join(root, 'examples/shop/app.ts'), '--config', join(root, 'examples/shop/corral.config.ts'),
        '--bind', `127.0.0.1:${port}`, '--workers', a.workers!, '--worker-connections', '100000', '--backlog', '4096',
        '--admin-bind', 'off', '--control-socket', 'off', '--access-log', 'off'],
      env: { CORRAL_LOG_LEVEL: 'warn' },
    }, { port, path: '/api/products/1', env: { ...services.env, REDIS_URL: a['redis-url'] ?? '', SHOP_CACHE_PREFIX: `flash-${process.pid}:` }, logDir, logName: 'shop', readyTimeoutMs: 90_000 })
    groups.push(shop.pid)
    cleanups.push(() => stopServer(shop, 10_000))
    const url = `http://127.0.0.1:${port}`
    const db = new pg.Client({ connectionString: services.databaseUrl })
    await db.connect()
    cleanups.push(() => db.end())

    const set = await request(`${url}/api/products/${PRODUCT}/stock`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ stock: STOCK }) })
    await set.body.dump()
    if (set.statusCode !== 200) throw new Error(`setting the stock answered ${set.statusCode}`)

    const keyOf = (i: number) => `flash-${process.pid}-${i}`
    // Each phase its own connections, one per buyer (see the test: a retry on the rush's idle
    // keep-alive connections would race the server closing them).
    const phase = async (indexes: number[]): Promise<{ answers: { i: number; a: Answer }[]; seconds: number }> => {
      const dispatcher = new Agent({ connections: null, pipelining: 1, connect: { timeout: REQUEST_LIMIT_MS }, headersTimeout: REQUEST_LIMIT_MS, bodyTimeout: REQUEST_LIMIT_MS })
      const started = performance.now()
      try {
        const answers = await Promise.all(indexes.map(async (i) => {
          const t0 = performance.now()
          const signal = AbortSignal.timeout(REQUEST_LIMIT_MS)
          let shed = 0
          try {
            for (;;) {
              const res = await request(`${url}/api/orders`, {
                method: 'POST', dispatcher, signal,
                headers: { 'content-type': 'application/json', 'idempotency-key': keyOf(i) },
                body: JSON.stringify({ productId: PRODUCT, quantity: 1 }),
              })
              const text = await res.body.text()
              const retryAfter = Number(res.headers['retry-after'])
              if (res.statusCode === 503 && shed < MAX_503 && Number.isFinite(retryAfter)) {
                shed++
                await sleep(Math.max(100, retryAfter * 1000), undefined, { signal })
                continue
              }
              let body: unknown
              try { body = text ? JSON.parse(text) : undefined } catch { body = text }
              return { i, a: { status: res.statusCode, body, ms: performance.now() - t0, shed } }
            }
          } catch (err) {
            return { i, a: { status: 0, body: undefined, ms: performance.now() - t0, shed, error: (err as { code?: string }).code ?? (err as Error).message } }
          }
        }))
        return { answers, seconds: (performance.now() - started) / 1000 }
      } finally {
        await dispatcher.close()
      }
    }

    const everyone = Array.from({ length: BUYERS }, (_, i) => i)
    const rush = await phase([...everyone, ...everyone.slice(0, DUPLICATED)])
    const [{ stock: stockAfterRush }] = (await db.query('SELECT stock FROM products WHERE id = $1', [PRODUCT])).rows
    const retries = await phase(everyone)

    const all = [...rush.answers, ...retries.answers]
    const statuses = new Map<string, number>()
    for (const { a: x } of all) statuses.set(x.error ? `error ${x.error}` : String(x.status), (statuses.get(x.error ? `error ${x.error}` : String(x.status)) ?? 0) + 1)
    const failures: string[] = []
    const fiveXX = all.filter(({ a: x }) => x.status >= 500).length
    const shed = all.reduce((n, { a: x }) => n + (x.shed ?? 0), 0)
    const shedBuyers = all.filter(({ a: x }) => (x.shed ?? 0) > 0).length
    const unexpected = all.filter(({ a: x }) => x.status !== 201 && x.status !== 409)
    if (unexpected.length) failures.push(`${unexpected.length} answers were neither 201 nor 409 (${fiveXX} of them 5xx), e.g. ${JSON.stringify(unexpected.slice(0, 3))}`)

    const byKey = new Map<number, Answer[]>()
    for (const { i, a: x } of all) byKey.set(i, [...(byKey.get(i) ?? []), x])
    let bought = 0
    let disagree = 0
    for (const answers of byKey.values()) {
      const first = answers[0]!
      if (answers.some((x) => x.status !== first.status || (x.status === 201 && JSON.stringify(x.body) !== JSON.stringify(first.body)))) disagree++
      if (first.status === 201) bought++
    }
    if (disagree) failures.push(`${disagree} keys got different answers`)
    if (bought !== STOCK) failures.push(`${bought} buyers got an order, for ${STOCK} items`)

    const [{ stock }] = (await db.query('SELECT stock FROM products WHERE id = $1', [PRODUCT])).rows
    if (stock !== 0) failures.push(`stock left: ${stock}`)
    const orders = (await db.query('SELECT id::int, idempotency_key, confirmation_job_id::text AS job FROM orders WHERE product_id = $1', [PRODUCT])).rows
    if (orders.length !== STOCK) failures.push(`${orders.length} orders stored, for ${STOCK} items`)
    if (new Set(orders.map((o) => o.idempotency_key)).size !== orders.length) failures.push('a key has two orders')
    const answered = new Set([...byKey.values()].filter((x) => x[0]!.status === 201).map((x) => x[0]!.body?.order?.id))
    const stored = new Set(orders.map((o) => o.id))
    if (answered.size !== stored.size || [...answered].some((id) => !stored.has(id))) failures.push('the orders answered are not the orders stored')
    const jobs = (await db.query(`SELECT id::text, (payload->>'orderId')::int AS "orderId" FROM corral.jobs
      WHERE queue = 'order-confirmation' AND (payload->>'orderId')::int = ANY($1)`, [orders.map((o) => o.id)])).rows
    const jobOf = new Map(jobs.map((j) => [j.orderId, j.id]))
    if (jobs.length !== orders.length || orders.some((o) => o.job !== jobOf.get(o.id))) failures.push(`${jobs.length} confirmation jobs for ${orders.length} orders, or an order names another job`)
    const confirmStarted = performance.now()
    let confirmed = 0
    while (confirmed < orders.length && performance.now() - confirmStarted < 120_000) {
      confirmed = (await db.query("SELECT count(*)::int AS n FROM orders WHERE product_id = $1 AND status = 'confirmed'", [PRODUCT])).rows[0].n
      if (confirmed < orders.length) await sleep(250)
    }
    if (confirmed !== orders.length) failures.push(`${confirmed} of ${orders.length} orders confirmed by their job within 120 s`)

    const lat = (answers: { a: Answer }[]) => {
      const ms = answers.map(({ a: x }) => x.ms).sort((p, q) => p - q)
      return `p50 ${pct(ms, 50).toFixed(0)} ms, p99 ${pct(ms, 99).toFixed(0)} ms, max ${ms.at(-1)?.toFixed(0)} ms`
    }
    const report = [
      `### Flash sale, ${new Date().toISOString()}`,
      '',
      `\`node --import tsx bench/flash-sale.ts --buyers ${BUYERS} --stock ${STOCK} --duplicates ${DUPLICATED} --workers ${a.workers}${a['database-url'] ? ' --database-url …' : ''}${a['redis-url'] ? ' --redis-url …' : ''}\``,
      '',
      `- ${BUYERS} buyers, each on its own connection, at once (${DUPLICATED} of them twice at once), for ${STOCK} items; then each buyer once more. Shop: ${a.workers} workers; ${a['database-url'] ? 'PostgreSQL' : 'embedded PGlite'}; cache ${a['redis-url'] ? 'memory + Redis' : 'memory'}.`,
      `- Machine: ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end, Node ${process.versions.node}.`,
      `- Rush: ${rush.answers.length} requests answered in ${rush.seconds.toFixed(1)} s (${lat(rush.answers)}); stock after it: ${stockAfterRush}.`,
      `- Retries: ${retries.answers.length} requests in ${retries.seconds.toFixed(1)} s (${lat(retries.answers)}).`,
      `- Last answers: ${[...statuses].map(([k, n]) => `${k}: ${n}`).join(', ')}; 5xx: ${fiveXX}.`,
      `- Shed on the way (503 with Retry-After, asked again after it): ${shed} answers to ${shedBuyers} requests.`,
      `- Sold: ${bought} orders answered, ${orders.length} stored, stock left ${stock}, ${jobs.length} confirmation jobs, ${confirmed} confirmed in ${((performance.now() - confirmStarted) / 1000).toFixed(1)} s after the retries.`,
      `- Result: ${failures.length ? `FAILED: ${failures.join('; ')}` : 'every check holds'}.`,
      '',
    ].join('\n')
    console.log(report)
    if (a.out) appendFileSync(a.out, report + '\n')
    keepLogs = failures.length > 0
    return failures.length ? 1 : 0
  } finally {
    for (const c of cleanups.reverse()) await c()
    clearTimeout(overdue)
  }
}

process.exitCode = await main()
