/**
 * Makes the dashboard pictures in docs/ and the README: the shop (`npm start`'s app, embedded
 * database and simulated services) under a bounded mixed load, with one worker killed halfway, as
 * the page shows it in headless Chromium and as `corral top` shows it in tmux.
 *
 *   npm run build && node --import tsx scripts/dashboard-screenshots.ts [seconds of load, default 45]
 *
 * Writes docs/images/dashboard.png and docs/images/top.txt. Traffic goes to loopback only, and
 * stops by itself.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Agent, request } from 'undici'
import { launchBrowser } from '../test/support/browser.js'
import { CLI, freePort, ROOT } from '../test/support/corral.js'
import { Terminal } from '../test/support/tmux.js'

const seconds = Number(process.argv[2] ?? 45)
const out = join(ROOT, 'docs/images')
mkdirSync(out, { recursive: true })

const [port, adminPort] = [await freePort(), await freePort()]
const dataDir = mkdtempSync(join(tmpdir(), 'corral-shots-'))
const shop = spawn(process.execPath, [CLI, 'serve', 'examples/shop/app.ts', '--config', 'examples/shop/corral.config.ts', '--workers', '2',
  '--bind', `127.0.0.1:${port}`, '--admin-bind', `127.0.0.1:${adminPort}`, '--control-socket', 'off', '--data-dir', dataDir], {
  cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SIM_PRICE_FAILURE_RATE: '0.03', CORRAL_LOG_LEVEL: 'warn' },
})
let log = ''
shop.stdout.on('data', (d) => { log += d })
shop.stderr.on('data', (d) => { log += d })
const base = `http://127.0.0.1:${port}`
const admin = `http://127.0.0.1:${adminPort}`

try {
  for (const until = Date.now() + 180_000; ; await sleep(200)) {
    if (await fetch(admin + '/readyz').then((r) => r.ok, () => false)) break
    if (Date.now() > until || shop.exitCode !== null) throw new Error(`the shop did not start:\n${log}`)
  }
  const browser = await launchBrowser()
  const page = await browser.newPage({ viewport: { width: 1440, height: 1200 }, deviceScaleFactor: 1 })
  await page.goto(admin + '/')
  const top = await Terminal.start([process.execPath, CLI, 'top', `127.0.0.1:${adminPort}`], { columns: 150, rows: 52 })

  // A mixed, bounded load: product pages, the gateway, the catalogue and orders (each with its own key).
  const agent = new Agent({ connections: 32 })
  let stop = false
  let orders = 0
  const one = async (): Promise<void> => {
    const r = Math.random()
    const id = 1 + Math.floor(Math.random() * 400)
    const res = r < 0.6 ? await request(`${base}/api/products/${id}`, { dispatcher: agent, headers: { 'x-user-id': String(id % 50) } })
      : r < 0.75 ? await request(`${base}/api/gateway/${id % 100}`, { dispatcher: agent })
      : r < 0.9 ? await request(`${base}/api/products?page=${id % 20 + 1}&limit=20`, { dispatcher: agent })
      : r < 0.97 ? await request(`${base}/api/orders`, { dispatcher: agent, method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': `shot-${process.pid}-${orders++}` }, body: JSON.stringify({ productId: id, quantity: 1 }) })
      : await request(`${base}/api/products/999999`, { dispatcher: agent })
    await res.body.dump()
  }
  const loops = Array.from({ length: 8 }, async () => { while (!stop) await one().catch(() => {}) })
  const started = Date.now()
  await sleep((seconds * 1000) / 2)
  const victim = ((await (await fetch(admin + '/status')).json()) as { workers: { pid: number }[] }).workers[0].pid
  process.kill(victim, 'SIGKILL')
  await sleep(Math.max(0, seconds * 1000 - (Date.now() - started)))

  await page.screenshot({ path: join(out, 'dashboard.png'), fullPage: true })
  writeFileSync(join(out, 'top.txt'), (await top.screen()).replace(/\s+$/gm, '').trimEnd() + '\n')
  stop = true
  await Promise.all(loops)
  await agent.close()
  await top.keys('q')
  await top.close()
  await browser.close()
  console.log(`wrote ${join(out, 'dashboard.png')} and ${join(out, 'top.txt')} (worker pid ${victim} killed halfway)`)
} finally {
  shop.kill('SIGTERM')
  await new Promise((r) => shop.once('exit', r))
  rmSync(dataDir, { recursive: true, force: true })
}
