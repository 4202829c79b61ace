/**
 * corral's benchmark: `npm run bench [-- --quick | --full | flags]`, or runBench(options) from
 * `corral bench`. It serves each scenario (scenarios/index.ts) with every server that is
 * installed (servers.ts), loads them in turn at each point of the suite, and writes the report
 * (report/write.ts). Traffic goes to 127.0.0.1 only; every step is bounded in time.
 *
 * Order of work, per scenario: start all its servers at once (each on its own port), warm each,
 * then for each round, for each load point, load each server in turn: servers alternate, and the
 * order turns by one every round (A B C, B C A, C A B, …), so a slow drift of the machine spreads
 * over all of them and every server takes every place in the order (see inTurn).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { corralError, exitCodeOf } from '../src/errors.js'
import { describeMachine, nodeVersion, wrkBinary, wrkVersion } from './machine.js'
import { inTurn } from './in-turn.js'
import { measure, settle, type Point } from './measure.js'
import { busyFraction, machineTicks } from './process-cpu.js'
import { parseBenchArgs, resolveOptions, usage, type BenchOptions, type ResolvedOptions } from './options.js'
import { summarize, type Row, type RunRecord } from './report/summary.js'
import { writeReport } from './report/write.js'
import { scenarios as allScenarios, type Scenario } from './scenarios/index.js'
import { freePort, startServer, stopServer, type RunningServer } from './server-process.js'
import { serverVariant, servers as allServers, type ServerDef } from './servers.js'
import { startUpstream } from './upstream/upstream.js'
import { startShopServices, type ShopServices } from './shop/stack.js'

export type { BenchOptions } from './options.js'

export interface BenchResult {
  dir: string
  report: string
  latest: string
  markdown: string
  rows: Row[]
  notes: string[]
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

// Every process group we started, so an interrupted run leaves no server behind.
const live = new Set<number>()
const killAll = () => {
  for (const pid of live) { try { process.kill(-pid, 'SIGKILL') } catch { /* gone */ } }
  live.clear()
}

function pick<T extends { name: string }>(kind: string, all: readonly T[], names: string[] | undefined): T[] {
  if (names === undefined) return [...all]
  const unknown = names.filter((n) => !all.some((x) => x.name === n))
  if (unknown.length) {
    throw corralError('CORRAL_ERR_USAGE', `bench --${kind}: unknown ${unknown.join(', ')}; known: ${all.map((x) => x.name).join(', ')}`)
  }
  return all.filter((x) => names.includes(x.name))
}

const pointsOf = (s: Scenario, o: ResolvedOptions): Point[] => [
  ...(s.points[o.suite].closed ?? []).map((level) => ({ load: 'closed' as const, level })),
  ...(s.points[o.suite].open ?? []).map((level) => ({ load: 'open' as const, level })),
]

const scenarios0 = (o: ResolvedOptions) => o.scenarios ? allScenarios.filter((s) => o.scenarios!.includes(s.name)) : allScenarios

/** A server's name as a file name: a variant's (`corral-async@root=/tmp/x`) may hold slashes. */
const fileName = (name: string) => name.replace(/[^\w.@=-]+/g, '_')

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1))

export async function runBench(options: BenchOptions = {}, command = 'npm run bench'): Promise<BenchResult> {
  const o = resolveOptions(options, root, join(root, 'bench/results'))
  const startedAt = new Date()
  const log = (line: string) => o.log(`${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(4)}s ${line}`)
  const dir = join(o.outDir, startedAt.toISOString().replace(/\.\d+Z$/, '').replace(/:/g, '-'))
  const notes: string[] = []
  const wrk = wrkBinary()
  if (!wrk) notes.push('wrk is not installed (Debian: apt-get install wrk): the closed loop used autocannon, in this Node process')
  const machine = describeMachine(o.root, wrk ? wrkVersion(wrk) : 'autocannon (wrk absent)', { path: o.node, version: nodeVersion(o.node) })
  if (!wrk && scenarios0(o).some((s) => s.vary)) notes.push('autocannon asks for one fixed URL: the product scenario\'s pages do not vary')

  const scenarios = pick('scenarios', allScenarios, o.scenarios).filter((s) => {
    if (pointsOf(s, o).length === 0) return false
    if (s.needs && !existsSync(join(o.root, s.needs))) {
      notes.push(`scenario ${s.name} skipped: ${s.needs} is absent`)
      return false
    }
    return true
  })
  const present: (ServerDef & { version: string })[] = []
  // Variants of a corral server (`corral-async@--flag=value`) join the known servers for this run.
  const known = [...allServers, ...(o.servers ?? []).map(serverVariant).filter((d): d is ServerDef => d !== undefined)]
  for (const def of pick('servers', known, o.servers)) {
    const p = def.detect(o.root)
    if (p.present) present.push({ ...def, version: p.version })
    else notes.push(`${def.name} skipped: ${p.note}`)
  }
  const critical = (s: Scenario) => s.criticalPathMs?.({ delayMs: o.delayMs })
  const plan = scenarios.map((s) => ({
    s, servers: present.filter((d) => (d.scenarios === undefined || d.scenarios.includes(s.name)) && (s.servers === undefined || s.servers.includes(d.name))),
    points: pointsOf(s, o),
  }))
  for (const { s, servers } of plan) {
    for (const d of present) {
      if (!servers.includes(d) && (s.servers === undefined || s.servers.includes(d.name))) notes.push(`${d.name} does not implement scenario ${s.name}`)
    }
  }
  const totalSteps = plan.reduce((n, p) => n + p.servers.length * p.points.length * o.repeats, 0)
  const estimateS = plan.reduce((n, p) => n + 3 + p.servers.length * (o.warmupS +
    p.points.length * o.repeats * (Math.max(o.durationS, Math.ceil((5 * (critical(p.s) ?? 0)) / 1000)) + 0.4)), 0)
  log(`bench: ${o.suite} suite, ${scenarios.map((s) => s.name).join(', ')} × ${present.map((d) => d.name).join(', ')}; ` +
    `${totalSteps} runs, about ${Math.ceil(estimateS)} s`)
  for (const n of notes) log(`bench: note: ${n}`)

  // Other work on the machine skews every figure; say how busy it was before we started.
  const idle0 = machineTicks()
  await new Promise((r) => setTimeout(r, 500))
  const backgroundBusy = busyFraction(idle0, machineTicks())
  if (backgroundBusy !== undefined && backgroundBusy > 0.1) {
    notes.push(`the machine was ${(backgroundBusy * 100).toFixed(0)}% busy with other work before the run started: figures are noisier than usual`)
    log(`bench: note: the machine is ${(backgroundBusy * 100).toFixed(0)}% busy with other work`)
  }

  const onSignal = () => { killAll(); process.exit(130) }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('exit', killAll)
  const scratch = mkdtempSync(join(tmpdir(), 'corral-bench-'))
  const runs: RunRecord[] = []
  const upstreamProcesses = Math.max(2, Math.min(4, Math.floor(machine.cores / 2)))
  let step = 0
  let shop: ShopServices | undefined
  try {
    let port = o.basePort
    const upstream = plan.some((p) => p.s.upstream && p.servers.length)
      ? await startUpstream((port = await freePort(port)), upstreamProcesses, o.node) : undefined
    if (upstream) live.add(upstream.pid)
    if (plan.some((p) => p.s.shop && p.servers.length)) {
      log('bench: starting the shop\'s services simulator and database')
      shop = await startShopServices({
        root: o.root, node: o.node, port: (port = await freePort(port + 1)), simulatorWorkers: upstreamProcesses,
        databaseUrl: o.databaseUrl, logDir: join(dir, 'logs'), onSpawn: (pid) => live.add(pid),
      })
    }
    for (const { s, servers, points } of plan) {
      if (servers.length === 0) continue
      const maxLevel = Math.max(...points.map((p) => p.level))
      const env: Record<string, string> = {
        BENCH_SCENARIO: s.name,
        BENCH_UPSTREAM: upstream ? `http://127.0.0.1:${upstream.port}` : '',
        BENCH_DELAY_MS: String(o.delayMs),
        BENCH_CPU_ITERATIONS: String(o.cpuIterations),
        // Each request makes three upstream calls; a worker may hold all of them at once.
        BENCH_UPSTREAM_CONNECTIONS: String(Math.min(4096, Math.max(64, 3 * maxLevel))),
        ...(s.shop && shop ? shop.env : {}),
      }
      const wrkEnv: Record<string, string> | undefined = s.vary && {
        BENCH_WRK_PATH: s.vary.path, BENCH_WRK_IDS: String(s.vary.ids),
        ...(s.vary.userHeader ? { BENCH_WRK_USER_HEADER: s.vary.userHeader, BENCH_WRK_USERS: String(s.vary.users ?? 1000) } : {}),
      }
      // The product scenario's "upstream" is the shop's simulator; its database is PGlite when embedded.
      const upstreamPid = s.upstream ? upstream?.pid : s.shop ? shop?.simulator.pid : undefined
      const databasePid = s.shop ? shop?.databasePid : undefined
      const cp = critical(s) ?? 50
      const durationS = Math.max(o.durationS, Math.ceil((5 * (critical(s) ?? 0)) / 1000))
      log(`bench: ${s.name}: starting ${servers.map((d) => d.name).join(', ')}`)
      const start = async (d: ServerDef, at: number): Promise<RunningServer> => {
        const launched = await startServer(d.launch({
          root: o.root, scenario: s, port: at, workers: o.workers, threads: o.threads, node: o.node,
          tmp: mkdtempSync(join(scratch, `${fileName(d.name)}-`)),
        }), { port: at, path: s.path, env, logDir: join(dir, 'logs'), logName: `${s.name}-${fileName(d.name)}`, readyTimeoutMs: 30_000,
          onSpawn: (pid) => live.add(pid) })
        // The first answer can come from the first worker up (PM2 starts its instances one by
        // one, Gunicorn's workers import the app after the master binds): wait for the boot's
        // CPU to die down, so no run meets a server still starting or steals from one.
        await settle(launched.url, launched.pid, { maxMs: 5000, probeMs: 3 * cp + 2000 })
        return launched
      }
      // Ports are handed out one by one before the starts, which then run at once.
      const ports: number[] = []
      for (const _ of servers) ports.push((port = await freePort(port + 1)))
      const running = new Map<ServerDef, RunningServer>()
      const started = await Promise.allSettled(servers.map(async (d, i) => running.set(d, await start(d, ports[i]!))))
      started.forEach((r, i) => {
        if (r.status === 'rejected') notes.push(`${servers[i]!.name} failed to start for ${s.name}: ${(r.reason as Error).message}`)
      })
      const active = servers.filter((d) => running.has(d))
      for (const d of active) {
        const w = running.get(d)!
        if (o.warmupS > 0) {
          await measure({ url: w.url, point: { load: 'closed', level: Math.min(maxLevel, 50) }, durationS: o.warmupS, criticalPathMs: cp, wrk, wrkEnv })
            .catch(() => undefined)
          await settle(w.url, w.pid, { maxMs: 2000, probeMs: 3 * cp + 2000 })
        }
      }
      for (let round = 1; round <= o.repeats; round++) {
        for (const point of points) {
          for (const d of inTurn(active, round)) {
            step++
            const w = running.get(d)
            const head = `[${step}/${totalSteps}] ${s.name} ${point.load} ${point.load === 'closed' ? `c=${point.level}` : `${point.level} rps`} · ${d.name} · round ${round}/${o.repeats}`
            if (!w) { log(`${head}: skipped, server down`); continue }
            // Fewer answers than connections while the server sat nearly idle: it queues on I/O with
            // few slots (a sync worker), and the queue will outlive the run by far. Restart it
            // without waiting to find out. A busy async server goes through settle() instead.
            let backlogged = false
            try {
              const m = await measure({ url: w.url, point, durationS, criticalPathMs: cp, wrk, wrkEnv, upstreamPid, databasePid, serverPid: w.pid,
                light: s.light && { url: new URL(s.light.path, w.url).href, rate: s.light.rate } })
              runs.push({ scenario: s.name, server: d.name, load: point.load, level: point.level, round, ...m })
              backlogged = point.load === 'closed' && m.result.requests < point.level && (m.serverCores ?? 1) < 0.25
              const perRequest = m.serverCores !== undefined && m.result.rps > 0 ? `, ${fmt((m.serverCores * 1e6) / m.result.rps)} µs cpu/request` : ''
              log(`${head}: ${fmt(m.result.rps)} rps, mean ${fmt(m.result.meanMs)} ms, p99 ${fmt(m.result.p99Ms)} ms` +
                `${m.result.errors ? `, ${m.result.errors} errors` : ''}, server ${((m.serverCores ?? 0) * 100).toFixed(0)}% cpu${perRequest}` +
                `${m.light ? `; ${s.light!.path} at ${s.light!.rate} rps: p99 ${fmt(m.light.p99Ms)} ms${m.light.errors ? `, ${m.light.errors} errors` : ''}` : ''}` +
                `${m.upstreamCores !== undefined ? `, upstream ${(m.upstreamCores * 100).toFixed(0)}% cpu` : ''}` +
                `${m.databaseCores !== undefined ? `, database ${(m.databaseCores * 100).toFixed(0)}% cpu` : ''}`)
            } catch (err) {
              log(`${head}: failed: ${(err as Error).message}`)
              notes.push(`${d.name} ${s.name} ${point.load} ${point.level} round ${round}: load failed: ${(err as Error).message}`)
            }
            if (backlogged || !(await settle(w.url, w.pid, { maxMs: 3000, probeMs: 3 * cp + 2000 }))) {
              log(`${head}: still busy with the last run's backlog; restarting it`)
              await stopServer(w, 0)
              live.delete(w.pid)
              running.delete(d)
              try { running.set(d, await start(d, (port = await freePort(port + 1)))) } catch (err) {
                notes.push(`${d.name} could not be restarted for ${s.name}: ${(err as Error).message}`)
              }
            }
          }
        }
      }
      await Promise.all([...running.values()].map(async (w) => { await stopServer(w); live.delete(w.pid) }))
    }
    if (upstream) { await stopServer(upstream); live.delete(upstream.pid) }
  } finally {
    if (shop) { await shop.close().catch(() => undefined); live.delete(shop.simulator.pid) }
    killAll()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('exit', killAll)
    rmSync(scratch, { recursive: true, force: true })
  }

  const rows = summarize({
    runs, workers: o.workers, scenarios: scenarios.map((s) => s.name),
    servers: present.map(({ name, label }) => ({ name, label })),
    criticalPathMs: Object.fromEntries(scenarios.map((s) => [s.name, critical(s)])),
  })
  const written = writeReport({
    dir, startedAt, elapsedS: (Date.now() - startedAt.getTime()) / 1000, command, options: o, machine,
    scenarios: scenarios.map((s) => ({ name: s.name, about: s.about, criticalPathMs: critical(s), light: s.light })),
    servers: present.map(({ name, label, version }) => ({ name, label, version })),
    notes, runs, rows, upstreamProcesses,
  })
  log(`bench: wrote ${written.report} and ${written.latest}`)
  return { dir, ...written, rows, notes }
}

async function main(argv: string[]): Promise<void> {
  try {
    const { help, ...options } = parseBenchArgs(argv)
    if (help) { process.stdout.write(`${usage}\n`); return }
    const result = await runBench(options, ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' '))
    process.stdout.write(`${result.markdown}\n`)
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`)
    process.exitCode = exitCodeOf(err)
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main(process.argv.slice(2))
