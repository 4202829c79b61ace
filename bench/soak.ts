/**
 * Script (not in npm test: it runs for half an hour): the soak of issue 13, part 5. The shop,
 * served by corral as `npm start` serves it (with its services simulator and a fresh database),
 * takes a steady open-loop load of product pages (a random product of the first 1,000, a random
 * signed-in user, as bench/shop-product.ts asks) for --minutes. Every --sample seconds it records,
 * per worker: resident memory (VmRSS), open file descriptors (/proc/<pid>/fd) and the p99 of the
 * requests that worker served in the interval (from the access log's pid and duration atoms); the
 * master's RSS and descriptors; and the client's p50/p99 (open loop: timed from the scheduled send,
 * so a stall counts for every request it held up) and errors. At the end: each worker's RSS slope
 * (least squares, MB per hour) over the whole run and over its second half (after the caches and
 * pools have filled), the descriptors' range, and the first and last intervals' p99.
 *
 * Set --rate to 70% of the shop's max throughput, measured first with bench/shop-product.ts.
 *
 *   npm run build && node --import tsx bench/soak.ts --rate 300 [--minutes 30] [--sample 60]
 *     [--workers 2] [--database-url postgres://…] [--redis-url redis://…] [--out bench/results/soak.md]
 *
 * Bounded: the load stops at --minutes; each request has a 10 s limit. Loopback only.
 */
import { appendFileSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync, fstatSync, closeSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { runOpenLoop } from './load/open-loop.js'
import { freePort, startServer, stopServer } from './server-process.js'
import { startShopServices } from './shop/stack.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const { values: a } = parseArgs({ options: {
  rate: { type: 'string' }, minutes: { type: 'string', default: '30' }, sample: { type: 'string', default: '60' },
  workers: { type: 'string', default: '2' }, 'database-url': { type: 'string' }, 'redis-url': { type: 'string' }, out: { type: 'string' },
} })
if (!a.rate) throw new Error('--rate is required: 70% of the max throughput bench/shop-product.ts measured')
const RATE = Number(a.rate)
const SAMPLE_S = Number(a.sample)
const INTERVALS = Math.max(1, Math.round((Number(a.minutes) * 60) / SAMPLE_S))
const IDS = 1000

const statusOf = (pid: number) => { try { return readFileSync(`/proc/${pid}/status`, 'utf8') } catch { return undefined } }
const rssMb = (pid: number) => Number(/^VmRSS:\s+(\d+) kB/m.exec(statusOf(pid) ?? '')?.[1] ?? NaN) / 1024
const fds = (pid: number) => { try { return readdirSync(`/proc/${pid}/fd`).length } catch { return NaN } }
/** The master's children: its workers (the database and the simulator run apart). */
const workersOf = (master: number): number[] => {
  try { return readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number) } catch { return [] }
}

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  if (points.length < 2) return NaN
  const n = points.length
  const mx = points.reduce((s, [x]) => s + x, 0) / n
  const my = points.reduce((s, [, y]) => s + y, 0) / n
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0)
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0)
  return sxx === 0 ? NaN : sxy / sxx
}

const p99 = (values: number[]) => {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((x, y) => x - y)
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!
}

/** Reads the access log's lines as they are appended: "<pid> <status> <µs>". */
function accessLogReader(path: string) {
  let offset = 0
  let rest = ''
  return (): Map<number, number[]> => {
    const byPid = new Map<number, number[]>()
    let fd: number
    try { fd = openSync(path, 'r') } catch { return byPid }
    try {
      const size = fstatSync(fd).size
      const buf = Buffer.alloc(Math.max(0, size - offset))
      let got = 0
      while (got < buf.length) { const n = readSync(fd, buf, got, buf.length - got, offset + got); if (n === 0) break; got += n }
      offset += got
      const lines = (rest + buf.toString('latin1', 0, got)).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) {
        // Gunicorn's %(p)s atom writes the pid as <pid>.
        const [atom, , us] = line.trim().split(' ')
        const pid = Number(atom?.replace(/[<>]/g, ''))
        if (!pid || !us) continue
        const list = byPid.get(pid) ?? byPid.set(pid, []).get(pid)!
        list.push(Number(us) / 1000)
      }
    } finally { closeSync(fd) }
    return byPid
  }
}

interface Sample {
  minute: number; offered: number; rps: number; errors: number; p50: number; p99: number; sendLagP99: number
  master: { rss: number; fds: number }
  workers: Map<number, { rss: number; fds: number; served: number; p99: number }>
  load: number
}

async function main(): Promise<void> {
  const cleanups: (() => Promise<void> | void)[] = []
  const logDir = mkdtempSync(join(tmpdir(), 'corral-soak-'))
  cleanups.push(() => rmSync(logDir, { recursive: true, force: true }))
  // Interrupted (Ctrl-C, a timeout's TERM): stop what was started, drop the database, then exit.
  const interrupt = () => { void (async () => { for (const c of cleanups.reverse()) await c() })().finally(() => process.exit(130)) }
  process.once('SIGINT', interrupt)
  process.once('SIGTERM', interrupt)
  try {
    const services = await startShopServices({
      root, node: process.execPath, port: await freePort(26000), simulatorWorkers: 1, databaseUrl: a['database-url'], logDir, onSpawn: () => {},
    })
    cleanups.push(() => services.close())
    const port = await freePort(27000)
    const accessLog = join(logDir, 'access.log')
    const shop = await startServer({
      command: process.execPath,
      args: [join(root, 'dist/cli/main.js'), 'serve', join(root, 'examples/shop/app.ts'), '--config', join(root, 'examples/shop/corral.config.ts'),
        '--bind', `127.0.0.1:${port}`, '--workers', a.workers!, '--worker-connections', '100000',
        '--admin-bind', 'off', '--control-socket', 'off', '--access-log', accessLog, '--access-log-format', '%(p)s %(s)s %(D)s'],
      env: { CORRAL_LOG_LEVEL: 'warn' },
    }, { port, path: '/api/products/1', env: { ...services.env, REDIS_URL: a['redis-url'] ?? '', SHOP_CACHE_PREFIX: `soak-${process.pid}:` }, logDir, logName: 'shop', readyTimeoutMs: 120_000 })
    cleanups.push(() => stopServer(shop, 10_000))
    const readLog = accessLogReader(accessLog)
    readLog() // the readiness probe's lines

    const header = `soak: ${RATE} req/s offered for ${INTERVALS * SAMPLE_S / 60} min, product pages of ${IDS} products, shop ${a.workers} workers, ` +
      `${a['database-url'] ? 'PostgreSQL' : 'embedded PGlite'}, cache ${a['redis-url'] ? 'memory + Redis' : 'memory'}; ${cpus().length} CPUs, Node ${process.versions.node}`
    console.log(header)
    const samples: Sample[] = []
    const started = Date.now()
    for (let i = 0; i < INTERVALS; i++) {
      const r = await runOpenLoop({
        url: `http://127.0.0.1:${port}/`, rate: RATE, durationS: SAMPLE_S, timeoutS: 10, connections: Math.max(64, Math.ceil(RATE)),
        request: () => ({ path: `/api/products/${1 + Math.floor(Math.random() * IDS)}`, headers: { 'x-user-id': String(1 + Math.floor(Math.random() * 1000)) } }),
      })
      const served = readLog()
      const workers = new Map<number, Sample['workers'] extends Map<number, infer W> ? W : never>()
      for (const pid of workersOf(shop.pid)) {
        const lat = served.get(pid) ?? []
        workers.set(pid, { rss: rssMb(pid), fds: fds(pid), served: lat.length, p99: p99(lat) })
      }
      const s: Sample = {
        minute: (Date.now() - started) / 60_000, offered: r.offered ?? 0, rps: r.rps, errors: r.errors, p50: r.p50Ms, p99: r.p99Ms, sendLagP99: r.sendLagP99Ms ?? NaN,
        master: { rss: rssMb(shop.pid), fds: fds(shop.pid) }, workers, load: loadavg()[0]!,
      }
      samples.push(s)
      console.log(`${s.minute.toFixed(1)} min: ${s.rps.toFixed(0)} req/s, errors ${s.errors}, p50 ${s.p50.toFixed(0)} ms, p99 ${s.p99.toFixed(0)} ms, ` +
        `master ${s.master.rss.toFixed(1)} MB ${s.master.fds} fds; ` +
        [...workers].map(([pid, w]) => `worker ${pid}: ${w.rss.toFixed(1)} MB, ${w.fds} fds, p99 ${w.p99.toFixed(0)} ms (${w.served})`).join('; ') + `; load ${s.load.toFixed(1)}`)
    }

    // The report: the series, then per worker its slopes.
    const pids = [...new Set(samples.flatMap((s) => [...s.workers.keys()]))]
    const f1 = (n: number) => Number.isFinite(n) ? n.toFixed(1) : '–'
    const f0 = (n: number) => Number.isFinite(n) ? n.toFixed(0) : '–'
    const rows = samples.map((s) => `| ${f1(s.minute)} | ${f0(s.rps)} | ${s.errors} | ${f0(s.p50)} | ${f0(s.p99)} | ${f1(s.master.rss)} / ${s.master.fds} | ` +
      pids.map((pid) => { const w = s.workers.get(pid); return w ? `${f1(w.rss)} / ${w.fds} / ${f0(w.p99)}` : '–' }).join(' | ') + ` | ${f1(s.load)} |`)
    const half = samples.length / 2
    const summary = pids.map((pid) => {
      const series = samples.flatMap((s) => { const w = s.workers.get(pid); return w ? [{ minute: s.minute, ...w }] : [] })
      const all = slope(series.map((w) => [w.minute / 60, w.rss]))
      const late = slope(series.slice(Math.floor(series.length / 2)).map((w) => [w.minute / 60, w.rss]))
      const fd = series.map((w) => w.fds)
      const firstP99 = series.slice(0, 5).map((w) => w.p99)
      const lastP99 = series.slice(-5).map((w) => w.p99)
      return `- worker ${pid}: RSS ${f1(series[0]?.rss ?? NaN)} → ${f1(series.at(-1)?.rss ?? NaN)} MB; slope ${f1(all)} MB/h over the run, ${f1(late)} MB/h over its second half; ` +
        `fds ${Math.min(...fd)}–${Math.max(...fd)} (first ${fd[0]}, last ${fd.at(-1)}); p99 of the first 5 intervals ${firstP99.map(f0).join(', ')} ms, of the last 5 ${lastP99.map(f0).join(', ')} ms; ${series.reduce((n, w) => n + w.served, 0)} requests served`
    })
    const masterSlope = slope(samples.map((s) => [s.minute / 60, s.master.rss]))
    const masterLate = slope(samples.slice(Math.floor(half)).map((s) => [s.minute / 60, s.master.rss]))
    const totals = samples.reduce((t, s) => ({ offered: t.offered + s.offered, errors: t.errors + s.errors }), { offered: 0, errors: 0 })
    const report = [
      `### Soak, ${new Date(started).toISOString()}`,
      '',
      `\`node --import tsx bench/soak.ts --rate ${RATE} --minutes ${a.minutes} --sample ${SAMPLE_S} --workers ${a.workers}${a['database-url'] ? ' --database-url …' : ''}${a['redis-url'] ? ' --redis-url …' : ''}\``,
      '',
      `${header}. ${totals.offered} requests offered, ${totals.errors} errors (non-2xx, socket errors, over 10 s). Load average ${samples.map((s) => s.load.toFixed(0)).join(', ')} at the samples.`,
      '',
      ...summary,
      `- master: RSS ${f1(samples[0]?.master.rss ?? NaN)} → ${f1(samples.at(-1)?.master.rss ?? NaN)} MB, slope ${f1(masterSlope)} MB/h (${f1(masterLate)} MB/h over the second half); fds ${Math.min(...samples.map((s) => s.master.fds))}–${Math.max(...samples.map((s) => s.master.fds))}`,
      '',
      `| minute | req/s | errors | client p50 ms | client p99 ms | master MB / fds | ${pids.map((pid) => `worker ${pid} MB / fds / p99 ms`).join(' | ')} | load |`,
      `|---|---|---|---|---|---|${pids.map(() => '---').join('|')}|---|`,
      ...rows,
      '',
    ].join('\n')
    console.log(report)
    if (a.out) appendFileSync(a.out, report + '\n')
  } finally {
    for (const c of cleanups.reverse()) await c()
  }
}

await main()
