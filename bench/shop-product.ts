/**
 * Benchmark (not a test): seed 000's product page, GET /api/products/:id, at 1,000 concurrent
 * connections with wrk, against the shop served by corral with its simulated services
 * (price 150 ms, recommendations 200 ms, favorites 50 ms). Every request waits at least for its
 * slowest call, 200 ms, so by Little's law the most any server can do is
 * connections ÷ 0.2 s = 5,000 requests/s. The report gives throughput as a fraction of that
 * ceiling, the latency percentiles, how many answers were degraded (a cut call makes a page
 * cheaper, so a run with many is not a fair one), and the CPU each process used (in cores, and per
 * page), to show whether the simulator, the shop or wrk ran out of CPU.
 *
 * With a list of connection counts (--connections 20,50,100,200,400,1000) it prints issue 12's
 * table: for each level, goodput (200s whose `degraded` list is empty, per second), the p99 of all
 * answers, the 503s (how many, and how long the server took over them, from its access log) and the
 * rest, with the overload control on and off side by side (--modes on,off: off is
 * --no-overload-control and SHOP_UPSTREAM_LIMIT=off, the static cap and every upstream call sent,
 * as before), then the issue's ratios at 1,000. The shop is started afresh for each mode; the
 * simulator and the database are shared. --shop-args passes more settings to the shop, --node-args flags to its Node (workers inherit them:
 * `--node-args '--cpu-prof --cpu-prof-dir=DIR'` leaves a profile per shop process in DIR).
 *
 *   npm run build && node --import tsx bench/shop-product.ts [--connections 1000] [--seconds 20]
 *     [--shop-workers 2] [--sim-workers 1] [--threads 2] [--database-url postgres://…] [--redis-url redis://…]
 *     [--shop-args '…'] [--node-args '…']
 *   node --import tsx bench/shop-product.ts --connections 20,50,100,200,400,1000 --seconds 20 --warmup 5
 *   node --import tsx bench/shop-product.ts --connections 100 --seconds 10 --rounds 3 --anchor
 *
 * With --anchor (one level only) the same page written by hand for plain node:cluster
 * (bench/anchors/node/product.cjs) runs beside the shop, on the same simulator and database with as
 * many workers, in alternating rounds (--rounds): CPU per page for each server's workers and master,
 * the simulator and PGlite, and the workers' ratio (issue 11: the shop's workers at most 0.6 ms).
 *
 * Without --database-url it runs the embedded PGlite in a temporary folder. Loopback only. Every
 * start is bounded (a simulator or shop that does not answer within 60 s ends the run with its
 * log's tail), and so is every wrk (bench/overload/levels.ts).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { freePort } from '../src/net/free-port.js'
import { groupCpuSeconds, processCpuSeconds } from './process-cpu.js'
import { startServer, stopServer, type RunningServer } from './server-process.js'
import { startShopServices } from './shop/stack.js'
import { ACCESS_FORMAT, raiseFdLimit, report, runLevels, runWrk, settle, type ModeRun, type WrkResult } from './overload/levels.js'

/** One timed run of one server: wrk's result, and the CPU of each process (cores, and ms per page). */
interface Round { r: WrkResult; rps: number; cores: Record<string, number>; msPerPage: Record<string, number>; load: number }

const root = fileURLToPath(new URL('..', import.meta.url))
const CLI = join(root, 'dist/cli/main.js')
const SCRIPT = join(root, 'bench/shop/product.lua')
const SLOWEST_CALL_S = 0.2
const READY_MS = 60_000

const { values: a } = parseArgs({ options: {
  connections: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '20' }, warmup: { type: 'string', default: '5' },
  threads: { type: 'string', default: '2' }, 'shop-workers': { type: 'string', default: '2' }, 'sim-workers': { type: 'string', default: '1' },
  'pool-size': { type: 'string', default: '8' }, 'shop-args': { type: 'string', default: '' }, 'database-url': { type: 'string' }, 'redis-url': { type: 'string' },
  modes: { type: 'string', default: 'on,off' }, 'node-args': { type: 'string', default: '' },
  anchor: { type: 'boolean', default: false }, rounds: { type: 'string', default: '1' },
} })
const levels = a.connections!.split(',').map(Number)
const multi = levels.length > 1
const modes: Record<string, { args: string[]; env: Record<string, string> }> = {
  on: { args: [], env: {} },
  off: { args: ['--no-overload-control'], env: { SHOP_UPSTREAM_LIMIT: 'off' } },
}

async function main(): Promise<void> {
  await raiseFdLimit()
  const run = spawn('wrk', ['--version'])
  if (await new Promise((r) => { run.on('error', () => r(true)); run.on('exit', () => r(false)) })) throw new Error('wrk is not installed (apt-get install wrk)')
  const cleanups: (() => Promise<void> | void)[] = []
  const pids: number[] = []
  // An interrupted run leaves nothing behind: every group started is killed on the way out.
  const onSignal = () => { for (const pid of pids) try { process.kill(-pid, 'SIGKILL') } catch { /* gone */ } process.exit(130) }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const dir = mkdtempSync(join(tmpdir(), 'corral-bench-shop-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  try {
    const services = await startShopServices({
      root, node: process.execPath, port: await freePort(), simulatorWorkers: Number(a['sim-workers']), databaseUrl: a['database-url'],
      logDir: dir, onSpawn: (pid) => pids.push(pid),
    })
    cleanups.push(() => services.close())
    const dbLabel = a['database-url'] ? `PostgreSQL (${new URL(a['database-url']).host})` : 'embedded PGlite'

    // The access log is for the levels' 503 timings only: a single run measures the shop as it is
    // served by default (no access log, as plain node:http writes none), not the cost of a log line.
    const startShop = async (mode: string, accessLog?: string): Promise<RunningServer> => {
      const port = await freePort()
      const log = accessLog ? ['--access-log', accessLog, '--access-log-format', ACCESS_FORMAT] : []
      const extra = [...modes[mode]!.args, ...log, ...a['shop-args']!.split(' ').filter(Boolean)]
      const launch = { command: process.execPath, args: [...a['node-args']!.split(' ').filter(Boolean), CLI, 'serve', 'examples/shop/app.ts', '--bind', `127.0.0.1:${port}`, '--admin-bind', 'off',
        '--control-socket', 'off', '--config', 'examples/shop/corral.config.ts', '--workers', a['shop-workers']!, '--worker-connections', '100000', ...extra] }
      return startServer(launch, {
        port, path: '/api/products/1', logDir: dir, logName: `shop-${mode}`, readyTimeoutMs: READY_MS, onSpawn: (pid) => pids.push(pid),
        env: { ...services.env, CORRAL_LOG_LEVEL: 'warn', CORRAL_DB_POOL_SIZE: a['pool-size']!, REDIS_URL: a['redis-url'] ?? '', ...modes[mode]!.env },
      })
    }

    // A full product page (nothing degraded) within 2 s: the shop, its pools and its breakers are back to normal.
    const healthy = (url: string) => async () => {
      const res = await fetch(`${url}/api/products/${1 + Math.floor(Math.random() * 1000)}`, { headers: { 'x-user-id': '7' }, signal: AbortSignal.timeout(2000) })
      return res.status === 200 && (await res.text()).includes('"degraded":[]')
    }

    if (multi) {
      const runs: ModeRun[] = []
      for (const mode of a.modes!.split(',')) {
        if (!modes[mode]) throw new Error(`--modes: "${mode}" is not on or off`)
        const accessLog = join(dir, `access-${mode}.log`)
        writeFileSync(accessLog, '')
        const shop = await startShop(mode, accessLog)
        try {
          const url = `http://127.0.0.1:${shop.port}`
          // The warm-up fills the product cache and opens the pools at the first level's load: at the
          // last level's it would leave an overload behind (open breakers, a backlog) for the first.
          console.log(`${mode}: warming up (${a.warmup} s at ${levels[0]} connections)`)
          await runWrk({ url, connections: levels[0]!, seconds: Number(a.warmup), threads: Number(a.threads), script: SCRIPT })
          runs.push(await runLevels({ mode, url, accessLog, levels, seconds: Number(a.seconds), threads: Number(a.threads), script: SCRIPT, healthy: healthy(url), log: console.log }))
        } finally { await stopServer(shop) }
      }
      console.log(`\nGET /api/products/:id, ${a.seconds} s per level, wrk -t${a.threads}; shop ${a['shop-workers']} workers ${a['shop-args'] || ''}, simulator ${a['sim-workers']}; ${dbLabel}; ` +
        `${cpus().length} CPUs, Node ${process.versions.node}\n`)
      console.log(report(runs))
      return
    }

    const mode = a.modes!.split(',')[0]!
    const connections = levels[0]!
    const servers: { name: string; server: RunningServer }[] = []
    const shop = await startShop(mode)
    cleanups.push(() => stopServer(shop))
    servers.push({ name: 'shop', server: shop })
    if (a.anchor) {
      // The same page written by hand (bench/anchors/node/product.cjs) on plain node:cluster, against
      // the same simulator and database, with as many workers.
      const port = await freePort()
      const anchor = await startServer({ command: process.execPath, args: [...a['node-args']!.split(' ').filter(Boolean), join(root, 'bench/anchors/node/cluster.cjs')] }, {
        port, path: '/api/products/1', logDir: dir, logName: 'anchor', readyTimeoutMs: READY_MS, onSpawn: (pid) => pids.push(pid),
        env: { ...services.env, BENCH_SCENARIO: 'product', BENCH_WORKERS: a['shop-workers']!, CORRAL_DB_POOL_SIZE: a['pool-size']! },
      })
      cleanups.push(() => stopServer(anchor))
      servers.push({ name: 'anchor', server: anchor })
    }
    const wrk = (s: RunningServer, seconds: number) => runWrk({ url: `http://127.0.0.1:${s.port}`, connections, seconds, threads: Number(a.threads), script: SCRIPT })
    for (const { server } of servers) await wrk(server, Number(a.warmup))

    // The servers lead process groups of their own (server-process.ts): their workers are the group
    // less its leader (the master). PGlite is one process of ours.
    const cpuOf = (s: RunningServer): Record<string, () => number | undefined> => ({
      workers: () => { const g = groupCpuSeconds(s.pid), m = processCpuSeconds(s.pid); return g === undefined || m === undefined ? undefined : g - m },
      master: () => processCpuSeconds(s.pid),
      simulator: () => groupCpuSeconds(services.simulator.pid),
      ...(services.databasePid ? { pglite: () => processCpuSeconds(services.databasePid!) } : {}),
    })
    const ceiling = connections / SLOWEST_CALL_S
    const rounds: Record<string, Round[]> = {}
    for (let round = 1; round <= Number(a.rounds); round++) {
      for (const { name, server } of servers) {
        const groups = cpuOf(server)
        const cpu = (): Record<string, number> => Object.fromEntries(Object.entries(groups).map(([k, read]) => [k, read() ?? NaN]))
        const before = cpu()
        const started = performance.now()
        const r = await wrk(server, Number(a.seconds))
        const wall = (performance.now() - started) / 1000
        const after = cpu()
        const rps = r.requests / (r.duration_us / 1e6)
        const cores = Object.fromEntries(Object.keys(groups).map((k) => [k, (after[k]! - before[k]!) / wall]))
        const msPerPage = Object.fromEntries(Object.entries(cores).map(([k, v]) => [k, (v / rps) * 1000]))
        ;(rounds[name] ??= []).push({ r, rps, cores, msPerPage, load: loadavg()[0]! })
        if (Number(a.rounds) > 1) {
          console.log(`round ${round} ${name}: ${rps.toFixed(0)} req/s (${(rps / ceiling).toFixed(3)} of the ceiling), degraded ${r.degraded}, 503s ${r.shed}, non-2xx ${r.status_errors}, CPU per page ` +
            `${Object.entries(msPerPage).map(([k, v]) => `${k} ${v.toFixed(3)} ms`).join(', ')}; load ${loadavg()[0]!.toFixed(2)}`)
        }
      }
    }

    const ms = (us: number) => `${(us / 1000).toFixed(1)} ms`
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!
    console.log([
      `GET /api/products/:id, ${connections} connections, ${a.seconds} s × ${a.rounds} round(s), wrk -t${a.threads}; shop ${a['shop-workers']} workers (${mode})` +
        `${a.anchor ? `, the hand-written page (anchors/node/product.cjs, node:cluster) ${a['shop-workers']} workers, alternating` : ''}; simulator ${a['sim-workers']}; ${dbLabel}; cache ${a['redis-url'] ? 'memory+Redis' : 'memory'}`,
      `machine: ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, Node ${process.versions.node}`,
    ].join('\n'))
    for (const { name } of servers) {
      const runs = rounds[name]!
      // The round with the median throughput, for the latencies and the answers.
      const { r, rps } = [...runs].sort((x, y) => x.rps - y.rps)[runs.length >> 1]!
      const keys = Object.keys(runs[0]!.cores)
      console.log([
        `${name}:`,
        `  throughput: ${rps.toFixed(0)} req/s = ${(rps / ceiling).toFixed(3)} of the Little's-law ceiling (${connections} / ${SLOWEST_CALL_S} s = ${ceiling} req/s)`,
        `  goodput: ${(r.good / (r.duration_us / 1e6)).toFixed(0)}/s (200s with nothing degraded); 503s ${r.shed}`,
        `  latency: p50 ${ms(r.p50_us)}, p95 ${ms(r.p95_us)}, p99 ${ms(r.p99_us)}, max ${ms(r.max_us)} (floor: the 200 ms call)`,
        `  answers: ${r.requests} total, non-2xx ${r.status_errors}, socket errors ${r.connect_errors + r.read_errors + r.write_errors}, timeouts ${r.timeouts}, degraded ${r.degraded} (${((100 * r.degraded) / Math.max(1, r.checked)).toFixed(2)}%)`,
        `  CPU (cores busy, of ${cpus().length}; wrk not counted${runs.length > 1 ? '; medians over the rounds' : ''}): ${keys.map((k) => `${k} ${median(runs.map((x) => x.cores[k]!)).toFixed(2)}`).join(', ')}`,
        `  CPU per page${runs.length > 1 ? ' (median)' : ''}: ${keys.map((k) => `${k} ${median(runs.map((x) => x.msPerPage[k]!)).toFixed(3)} ms`).join(', ')}`,
      ].join('\n'))
    }
    if (a.anchor) {
      const ratio = median(rounds.shop!.map((x) => x.msPerPage.workers!)) / median(rounds.anchor!.map((x) => x.msPerPage.workers!))
      console.log(`workers' CPU per page, shop ÷ hand-written: ${ratio.toFixed(2)}x`)
    }
  } finally {
    for (const c of cleanups.reverse()) await c()
  }
}

await main()
