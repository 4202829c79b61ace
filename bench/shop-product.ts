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
 * With a list of connection counts (--connections 20,50,100,200,400,1000) it runs each in turn on the
 * same stack and prints a table: goodput (200s whose `degraded` list is empty, per second), all
 * answers per second, 503s (shed by the overload control), p99 of all answers. --shop-args passes
 * settings to the shop (--shop-args=--no-overload-control for the static cap).
 *
 *   npm run build && node --import tsx bench/shop-product.ts [--connections 1000] [--seconds 20]
 *     [--shop-workers 2] [--sim-workers 1] [--threads 2] [--database-url postgres://…] [--redis-url redis://…]
 *
 * Without --database-url it runs the embedded PGlite in a temporary folder. Loopback only.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { startEmbeddedPostgres } from '../src/io/db/embedded.js'
import { migrate } from '../src/io/db/migrate.js'
import { freePort } from '../src/net/free-port.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const CLI = join(root, 'dist/cli/main.js')
const SLOWEST_CALL_S = 0.2

const { values: a } = parseArgs({ options: {
  connections: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '20' }, warmup: { type: 'string', default: '5' },
  threads: { type: 'string', default: '2' }, 'shop-workers': { type: 'string', default: '2' }, 'sim-workers': { type: 'string', default: '1' },
  'pool-size': { type: 'string', default: '8' }, 'shop-args': { type: 'string', default: '' }, 'database-url': { type: 'string' }, 'redis-url': { type: 'string' },
} })
const levels = a.connections!.split(',').map(Number)
let connections = levels[levels.length - 1]!

function serve(app: string, port: number, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [CLI, 'serve', app, '--bind', `127.0.0.1:${port}`, '--admin-bind', 'off', '--control-socket', 'off', ...args], {
    cwd: root, env: { ...process.env, CORRAL_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'ignore', 'inherit'],
  })
}

async function answers(url: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try { if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`${url} did not answer within ${timeoutMs}ms`)
}

/** CPU seconds (user + system) of a process and all its descendants, from /proc. */
function cpuSeconds(rootPid: number): number {
  const ps = spawnSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).stdout
  const children = new Map<number, number[]>()
  for (const line of ps.trim().split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number)
    children.set(ppid!, [...(children.get(ppid!) ?? []), pid!])
  }
  let ticks = 0
  const stack = [rootPid]
  while (stack.length) {
    const pid = stack.pop()!
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
      ticks += Number(fields[11]) + Number(fields[12]) // utime, stime (fields 14 and 15 of stat)
    } catch { /* exited */ }
    stack.push(...(children.get(pid) ?? []))
  }
  return ticks / 100 // USER_HZ is 100 on Linux
}

interface WrkResult { requests: number; duration_us: number; p50_us: number; p95_us: number; p99_us: number; max_us: number; mean_us: number
  connect_errors: number; read_errors: number; write_errors: number; status_errors: number; timeouts: number; degraded: number; checked: number
  good: number; shed: number }

async function wrk(url: string, seconds: number, measure: Record<string, number>): Promise<{ r: WrkResult; cpu: Record<string, number> }> {
  const child = spawn('wrk', ['-t', a.threads!, '-c', String(connections), '-d', `${seconds}s`, '--timeout', '10s', '-s', join(root, 'bench/shop/product.lua'), url],
    { stdio: ['ignore', 'pipe', 'inherit'] })
  const before = Object.fromEntries(Object.entries(measure).map(([k, pid]) => [k, cpuSeconds(pid)]))
  const wrkBefore = cpuSeconds(child.pid!)
  const started = performance.now()
  let out = ''
  child.stdout!.on('data', (d) => { out += d })
  // Sample wrk's own CPU just before it exits (an exited process has no /proc entry).
  let wrkCpu = 0
  const sampler = setInterval(() => { wrkCpu = cpuSeconds(child.pid!) - wrkBefore }, 250)
  await once(child, 'exit')
  clearInterval(sampler)
  const wall = (performance.now() - started) / 1000
  const cpu = Object.fromEntries(Object.entries(measure).map(([k, pid]) => [k, (cpuSeconds(pid) - before[k]!) / wall]))
  cpu.wrk = wrkCpu / wall
  const line = out.split('\n').find((l) => l.startsWith('WRK_JSON '))
  if (!line) throw new Error(`wrk printed no result:\n${out}`)
  return { r: JSON.parse(line.slice('WRK_JSON '.length)), cpu }
}

async function main(): Promise<void> {
  if (spawnSync('wrk', ['--version']).error) throw new Error('wrk is not installed (apt-get install wrk)')
  const cleanups: (() => Promise<void> | void)[] = []
  try {
    let databaseUrl = a['database-url']
    let dbLabel: string
    let dbPid: number | undefined
    if (databaseUrl) {
      const name = `corral_bench_shop_${process.pid}`
      const admin = new pg.Client({ connectionString: databaseUrl })
      await admin.connect()
      await admin.query(`CREATE DATABASE ${name}`)
      cleanups.push(async () => { await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); await admin.end() })
      const u = new URL(databaseUrl)
      u.pathname = `/${name}`
      databaseUrl = u.href
      dbLabel = `PostgreSQL (${new URL(databaseUrl).host})`
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'corral-bench-pg-'))
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
      const embedded = await startEmbeddedPostgres({ dataDir: dir })
      cleanups.push(() => embedded.close())
      databaseUrl = embedded.url
      dbPid = embedded.pid
      dbLabel = 'embedded PGlite'
    }
    await migrate(databaseUrl, join(root, 'examples/shop/migrations'))

    const simPort = await freePort()
    const sim = serve('examples/shop/services/app.ts', simPort, ['--workers', a['sim-workers']!, '--worker-connections', '100000', '--balance', 'shared', '--config', 'off', '--migrations', 'off'], {})
    cleanups.push(async () => { sim.kill('SIGTERM'); await once(sim, 'exit') })
    const shopPort = await freePort()
    const shop = serve('examples/shop/app.ts', shopPort, ['--config', 'examples/shop/corral.config.ts', '--workers', a['shop-workers']!, '--worker-connections', '100000', ...a['shop-args']!.split(' ').filter(Boolean)], {
      DATABASE_URL: databaseUrl, CORRAL_DB_POOL_SIZE: a['pool-size']!, SHOP_SERVICES_URL: `http://127.0.0.1:${simPort}`,
      REDIS_URL: a['redis-url'] ?? '', SHOP_CACHE_PREFIX: `bench-${process.pid}:`,
    })
    cleanups.push(async () => { shop.kill('SIGTERM'); await once(shop, 'exit') })
    await answers(`http://127.0.0.1:${simPort}/healthz`)
    await answers(`http://127.0.0.1:${shopPort}/api/products/1`)

    const url = `http://127.0.0.1:${shopPort}`
    const measure: Record<string, number> = { shop: shop.pid!, simulator: sim.pid!, ...(dbPid ? { pglite: dbPid } : {}) }
    await wrk(url, Number(a.warmup), measure) // fills the product cache for the ids, opens every pool
    if (levels.length > 1) {
      console.log(`shop ${a['shop-args'] || '(defaults)'}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
      console.log('| connections | goodput/s | answers/s | 503/s | degraded | p99 (all) |')
      console.log('|---:|---:|---:|---:|---:|---:|')
      for (const c of levels) {
        connections = c
        const { r } = await wrk(url, Number(a.seconds), measure)
        const s = r.duration_us / 1e6
        console.log(`| ${c} | ${(r.good / s).toFixed(0)} | ${(r.requests / s).toFixed(0)} | ${(r.shed / s).toFixed(0)} | ${r.degraded} | ${(r.p99_us / 1000).toFixed(0)} ms |`)
      }
      console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
      return
    }
    const { r, cpu } = await wrk(url, Number(a.seconds), measure)

    const rps = r.requests / (r.duration_us / 1e6)
    const ceiling = connections / SLOWEST_CALL_S
    const ms = (us: number) => `${(us / 1000).toFixed(1)} ms`
    const report = [
      `GET /api/products/:id, ${connections} connections, ${a.seconds} s, wrk -t${a.threads}; shop ${a['shop-workers']} workers, simulator ${a['sim-workers']}; ${dbLabel}; cache ${a['redis-url'] ? 'memory+Redis' : 'memory'}`,
      `machine: ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, Node ${process.versions.node}`,
      `throughput: ${rps.toFixed(0)} req/s = ${(rps / ceiling).toFixed(3)} of the Little's-law ceiling (${connections} / ${SLOWEST_CALL_S} s = ${ceiling} req/s)`,
      `latency: p50 ${ms(r.p50_us)}, p95 ${ms(r.p95_us)}, p99 ${ms(r.p99_us)}, max ${ms(r.max_us)} (floor: the 200 ms call)`,
      `answers: ${r.requests} total, non-2xx ${r.status_errors}, socket errors ${r.connect_errors + r.read_errors + r.write_errors}, timeouts ${r.timeouts}, degraded ${r.degraded} (${((100 * r.degraded) / Math.max(1, r.checked)).toFixed(2)}%)`,
      `CPU (cores busy, of ${cpus().length}): ${Object.entries(cpu).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`,
      `CPU per page: ${Object.entries(cpu).filter(([k]) => k !== 'wrk').map(([k, v]) => `${k} ${((v / rps) * 1000).toFixed(3)} ms`).join(', ')}`,
    ]
    console.log(report.join('\n'))
  } finally {
    for (const c of cleanups.reverse()) await c()
  }
}

await main()
