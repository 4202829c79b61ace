/**
 * Benchmark (not a test): what the dashboard costs the server. Two corral servers run the hello
 * app side by side, one with the dashboard (the default) and one with --no-dashboard, so both
 * see the same machine; their CPU is read from /proc (master alone, and master plus workers).
 *
 *   1. idle, nobody watching: the dashboard's monitor only reads heartbeats every 5 s;
 *   2. idle, watched: a client asks for /dashboard/state every second, as the page and top do;
 *   3. under the same open-loop load on both (--rate requests/s each), watched: CPU per request.
 *
 *   npm run build && node --import tsx bench/dashboard-cost.ts [--seconds 60] [--rate 1000] [--workers 2]
 *
 * Loopback only; every phase is bounded by --seconds.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { runOpenLoop } from './load/open-loop.js'
import { groupCpuSeconds } from './process-cpu.js'
import { busyFraction, machineTicks } from './process-cpu.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const CLI = join(root, 'dist/cli/main.js')
const { values: a } = parseArgs({ options: {
  seconds: { type: 'string', default: '60' }, rate: { type: 'string', default: '1000' }, workers: { type: 'string', default: '2' },
} })
const seconds = Number(a.seconds)

const ports = async () => {
  const { createServer } = await import('node:net')
  const one = () => new Promise<number>((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)) }) })
  return [await one(), await one()]
}

interface Server { name: string; child: ChildProcess; url: string; admin: string }

async function start(name: string, extra: string[]): Promise<Server> {
  const [port, adminPort] = await ports()
  const child = spawn(process.execPath, [CLI, 'serve', 'examples/hello/app.ts', '--workers', a.workers!, '--bind', `127.0.0.1:${port}`,
    '--admin-bind', `127.0.0.1:${adminPort}`, '--control-socket', 'off', ...extra], { cwd: root, stdio: 'ignore', detached: true, env: { ...process.env, CORRAL_LOG_LEVEL: 'warn' } })
  const s = { name, child, url: `http://127.0.0.1:${port}/`, admin: `http://127.0.0.1:${adminPort}` }
  for (const until = Date.now() + 30_000; ; await sleep(200)) {
    if (await fetch(s.admin + '/readyz').then((r) => r.ok, () => false)) return s
    if (Date.now() > until) throw new Error(`${name} did not start`)
  }
}

/** The master's own CPU seconds (utime + stime), from /proc/<pid>/stat. */
function masterCpu(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) / 100
}

const read = (s: Server) => ({ master: masterCpu(s.child.pid!), all: groupCpuSeconds(s.child.pid!) ?? NaN })

async function phase(label: string, servers: Server[], during: () => Promise<{ requests: Record<string, number> } | void>) {
  const before = servers.map(read)
  const m0 = machineTicks()
  const t0 = Date.now()
  const result = await during()
  const wall = (Date.now() - t0) / 1000
  const m1 = machineTicks()
  const after = servers.map(read)
  console.log(`\n${label} (${wall.toFixed(0)} s; machine ${(100 * (busyFraction(m0, m1) ?? NaN)).toFixed(0)}% busy)`)
  console.log('| server | master CPU, % of a core | master + workers, % of a core | requests | CPU µs per request (all) |')
  console.log('|---|---:|---:|---:|---:|')
  servers.forEach((s, i) => {
    const master = after[i].master - before[i].master
    const all = after[i].all - before[i].all
    const n = result?.requests[s.name] ?? 0
    console.log(`| ${s.name} | ${(100 * master / wall).toFixed(2)} | ${(100 * all / wall).toFixed(2)} | ${n} | ${n ? ((all / n) * 1e6).toFixed(1) : '–'} |`)
  })
}

/** Ask for the state every second, as the page and `corral top` do, until the time is up. */
async function watch(s: Server, ms: number): Promise<void> {
  let since = 0
  for (const until = Date.now() + ms; Date.now() < until; await sleep(1000)) {
    const state = await (await fetch(`${s.admin}/dashboard/state${since ? `?since=${since}` : ''}`)).json() as { points: { t: number }[] }
    since = state.points.at(-1)?.t ?? since
  }
}

const on = await start('dashboard', [])
const off = await start('no dashboard', ['--no-dashboard'])
try {
  await sleep(5000)
  await phase('1. idle, nobody watching', [on, off], () => sleep(seconds * 1000))
  await phase('2. idle, the dashboard watched', [on, off], () => watch(on, seconds * 1000))
  await phase(`3. ${a.rate} requests/s on each (open loop), the dashboard watched`, [on, off], async () => {
    const load = (s: Server) => runOpenLoop({ url: s.url, rate: Number(a.rate), durationS: seconds, timeoutS: 5, connections: 64 })
    const [r1, r2] = await Promise.all([load(on), load(off), watch(on, seconds * 1000)])
    return { requests: { [on.name]: r1.requests, [off.name]: r2.requests } }
  })
  console.log(`\nNode ${process.versions.node}; \`${['node --import tsx bench/dashboard-cost.ts', ...process.argv.slice(2)].join(' ')}\``)
} finally {
  for (const s of [on, off]) { try { process.kill(-s.child.pid!, 'SIGTERM') } catch { /* gone */ } }
}
