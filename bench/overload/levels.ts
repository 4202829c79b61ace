/**
 * What the overload benchmarks share (issue 12): wrk at a list of connection counts against a server
 * started once per mode (overload control on, then off), each level's 503s read from the server's
 * access log (how long the server took over each, which wrk cannot tell apart from the 200s), and
 * the side-by-side table with the issue's two done-when ratios.
 *
 * The bench runs with the hard file-descriptor limit as its soft one (raiseFdLimit), so 10,000
 * connections fit in wrk and in the servers; every wait is bounded: a wrk that outlives its duration
 * by WRK_GRACE_S is killed and the level fails, a server that does not answer is stopped.
 */
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs'
import { loadavg } from 'node:os'
import { processCpu, type CpuReading } from '../../src/doctor/cpu-time.js'
import { acceptQueueOn } from '../../src/net/listen-queue.js'

const WRK_GRACE_S = 30

export interface WrkResult { requests: number; duration_us: number; p50_us: number; p95_us: number; p99_us: number; max_us: number; mean_us: number
  connect_errors: number; read_errors: number; write_errors: number; status_errors: number; timeouts: number; degraded: number; checked: number
  good: number; shed: number }

/**
 * Run this bench again with the soft file-descriptor limit raised to the hard one (what a process
 * may raise itself to; Node cannot call setrlimit), so wrk, the server and the simulator, which
 * inherit it, fit 10,000 connections. Returns only in the process that already has it.
 */
export async function raiseFdLimit(): Promise<void> {
  const [soft, hard] = spawnSync('sh', ['-c', 'ulimit -n; ulimit -Hn'], { encoding: 'utf8' }).stdout.trim().split('\n')
  if (soft === hard || process.env.CORRAL_BENCH_FD_RAISED) return
  const child = spawn('sh', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec "$0" "$@"', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, CORRAL_BENCH_FD_RAISED: '1' } })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
  const [code] = await once(child, 'exit') as [number | null]
  process.exit(code ?? 1)
}

export async function runWrk(o: { url: string; connections: number; seconds: number; threads: number; script: string; onPid?: (pid: number) => void }): Promise<WrkResult> {
  // wrk needs at least as many connections as threads.
  const threads = Math.min(o.threads, o.connections)
  const child = spawn('wrk', ['-t', String(threads), '-c', String(o.connections), '-d', `${o.seconds}s`, '--timeout', '10s', '-s', o.script, o.url], { stdio: ['ignore', 'pipe', 'pipe'] })
  if (child.pid) o.onPid?.(child.pid)
  let out = ''
  child.stdout!.on('data', (d) => { out += d })
  child.stderr!.on('data', (d) => { out += d })
  const killer = setTimeout(() => child.kill('SIGKILL'), (o.seconds + WRK_GRACE_S) * 1000)
  const [code, signal] = await once(child, 'exit') as [number | null, string | null]
  clearTimeout(killer)
  const line = out.split('\n').find((l) => l.startsWith('WRK_JSON '))
  if (!line) throw new Error(`wrk at ${o.connections} connections printed no result (exit ${code ?? signal}):\n${out.slice(-2000)}`)
  return JSON.parse(line.slice('WRK_JSON '.length)) as WrkResult
}

/** The issue's bar for a 503: answered within this long. */
export const SHED_BAR_MS = 10

/** `over`: how many took SHED_BAR_MS or longer (a handful of thousands, at 10,000 connections on 2 CPUs: docs/overload.md). */
export interface ShedTimes { count: number; p50Ms: number; p99Ms: number; maxMs: number; over: number }

/** The access-log format shedSince reads: status, µs, content type (corral's shed 503 is text/plain). */
export const ACCESS_FORMAT = '%(s)s %(D)s %({content-type}o)s'

/**
 * The shed 503s the access log (ACCESS_FORMAT) holds past `from` bytes, with the server's time over
 * each, and the p99 of the server's time over every other answer (from reading its request to the
 * end of the answer: what wrk's p99 holds beyond it was spent before the server read the request).
 */
export function shedSince(file: string, from: number): { shed: ShedTimes; servedP99Ms: number; end: number } {
  const end = statSync(file).size
  const buf = Buffer.alloc(end - from)
  const fd = openSync(file, 'r')
  try { readSync(fd, buf, 0, buf.length, from) } finally { closeSync(fd) }
  const ms: number[] = []
  const served: number[] = []
  for (const line of buf.toString('latin1').split('\n')) {
    if (line.startsWith('503 ') && line.includes('text/plain')) ms.push(Number(line.split(' ')[1]) / 1000)
    else if (line) served.push(Number(line.split(' ')[1]) / 1000)
  }
  ms.sort((a, b) => a - b)
  served.sort((a, b) => a - b)
  const at = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN)
  const firstSlow = ms.findIndex((m) => m >= SHED_BAR_MS)
  const over = firstSlow < 0 ? 0 : ms.length - firstSlow
  return { shed: { count: ms.length, p50Ms: at(ms, 0.5), p99Ms: at(ms, 0.99), maxMs: at(ms, 1), over }, servedP99Ms: at(served, 0.99), end }
}

/**
 * The kernel's accept queue of the server's port over a level: the most connections it held (the
 * handshake done, no process has accepted them yet: wrk's first request on each waits there, and
 * its time counts in wrk's latency), when it last held any, and the listen-queue overflows the
 * kernel counted meanwhile (TcpExt ListenOverflows, for the whole host: a connection dropped there
 * waits for a retransmission, a second or more).
 */
export interface AcceptQueue { max: number; lastHeldMs: number; overflows: number }

const QUEUE_EVERY_MS = 100

function listenOverflows(): number {
  try {
    const lines = readFileSync('/proc/net/netstat', 'latin1').split('\n')
    const head = lines.findIndex((l) => l.startsWith('TcpExt:'))
    const names = lines[head]!.split(/\s+/)
    return Number(lines[head + 1]!.split(/\s+/)[names.indexOf('ListenOverflows')])
  } catch { return NaN }
}

function watchAcceptQueue(port: number): () => AcceptQueue {
  const ports = new Set([port])
  const startedAt = performance.now()
  const overflowsBefore = listenOverflows()
  let max = 0
  let lastHeldMs = 0
  const timer = setInterval(() => {
    const n = acceptQueueOn(ports)
    if (n > max) max = n
    if (n > 0) lastHeldMs = performance.now() - startedAt
  }, QUEUE_EVERY_MS)
  return () => {
    clearInterval(timer)
    return { max, lastHeldMs, overflows: listenOverflows() - overflowsBefore }
  }
}

export interface Level {
  connections: number
  /** The server answered the settle probe before the level began (bounded wait). */
  settled: boolean
  seconds: number
  wrk: WrkResult
  shed: ShedTimes
  /** The p99 of the server's own time over the answers it did not shed (its access log). */
  servedP99Ms: number
  queue: AcceptQueue
  /** The workers' main threads over the level (when the bench named its workers). */
  loops?: LoopShare
}

/**
 * The share of a level's wall time the workers' main threads (their event loops) spent on a CPU and
 * runnable waiting for one, the mean over the workers, from schedstat. Waiting as long as running
 * says the host, not the worker, is full: wrk and the upstream share its CPUs, and the worker's loop
 * utilisation can read under the overload control's 0.9 meanwhile (docs/overload.md).
 */
export interface LoopShare { runPct: number; waitPct: number }

function loopShare(before: Map<number, CpuReading>, wallMs: number): LoopShare | undefined {
  let run = 0
  let wait = 0
  let n = 0
  for (const [pid, b] of before) {
    let a: CpuReading
    try { a = processCpu(pid) } catch { continue } // a worker that was replaced during the level
    if (!Number.isFinite(a.mainCpuMs) || !Number.isFinite(b.mainCpuMs)) continue
    run += a.mainCpuMs - b.mainCpuMs
    wait += a.mainWaitMs - b.mainWaitMs
    n++
  }
  return n && wallMs > 0 ? { runPct: (100 * run) / n / wallMs, waitPct: (100 * wait) / n / wallMs } : undefined
}

export interface ModeRun { mode: string; levels: Level[]; loadBefore: number[]; loadAfter: number[] }

/** Run every level against `url`, reading the 503s from `accessLog` after each. */
export async function runLevels(o: {
  mode: string; url: string; accessLog: string; levels: number[]; seconds: number; threads: number; script: string
  /** One request that says the server is back to normal (e.g. a full product page): a level begins after a few in a row. */
  healthy: () => Promise<boolean>
  log: (line: string) => void
  /** The server's worker pids, read before each level: their main threads' CPU is reported (LoopShare). */
  workers?: () => number[]
}): Promise<ModeRun> {
  const run: ModeRun = { mode: o.mode, levels: [], loadBefore: loadavg(), loadAfter: [] }
  for (const connections of o.levels) {
    const settled = await settle(o.healthy)
    if (!settled) o.log(`  ${o.mode}: the server did not settle within ${SETTLE_MS / 1000} s before ${connections} connections`)
    const from = statSync(o.accessLog).size
    const before = new Map<number, CpuReading>()
    for (const pid of o.workers?.() ?? []) try { before.set(pid, processCpu(pid)) } catch { /* gone */ }
    const startedAt = performance.now()
    const queue = watchAcceptQueue(Number(new URL(o.url).port))
    const wrk = await runWrk({ url: o.url, connections, seconds: o.seconds, threads: o.threads, script: o.script })
    const loops = before.size ? loopShare(before, performance.now() - startedAt) : undefined
    const { shed, servedP99Ms } = shedSince(o.accessLog, from)
    run.levels.push({ connections, settled, seconds: wrk.duration_us / 1e6, wrk, shed, servedP99Ms, queue: queue(), loops })
    const l = run.levels.at(-1)!
    o.log(`  ${o.mode}: ${connections} connections: ${row(l).join(' | ')}${loops ? ` | loops on a CPU ${fixed(loops.runPct)}%, waiting ${fixed(loops.waitPct)}%` : ''} | ${waitedFor(l)}`)
  }
  run.loadAfter = loadavg()
  return run
}

const SETTLE_MS = 30_000
const SETTLE_IN_A_ROW = 3

/**
 * Wait (bounded) until the server answers normally several times in a row. A level that follows a
 * heavier one (or the warm-up) otherwise begins while the server still works through the answers
 * the last wrk left behind, or with its upstream breakers open from that overload (5 s cool-down):
 * its goodput is then 0 and says nothing about its own load. That was the multi-level mode's zeros.
 */
export async function settle(healthy: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + SETTLE_MS
  let inARow = 0
  while (Date.now() < deadline) {
    inARow = (await healthy().catch(() => false)) ? inARow + 1 : 0
    if (inARow >= SETTLE_IN_A_ROW) return true
    await new Promise((r) => setTimeout(r, 250))
  }
  return false
}

const fixed = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '—')

/** Where the answers' time went before the server read their requests: its own p99 beside the accept queue's. */
function waitedFor(l: Level): string {
  const q = l.queue
  return `server's p99 over its other answers ${fixed(l.servedP99Ms)} ms; accept queue up to ${q.max}` +
    (q.max ? `, last held ${fixed(q.lastHeldMs / 1000, 1)} s in` : '') + (q.overflows ? `, ${q.overflows} listen overflows (host)` : '')
}

/** goodput/s, p99, 503s (count, server p50/p99), other answers, socket errors and timeouts. */
function row(l: Level): string[] {
  const w = l.wrk
  return [
    fixed(w.good / l.seconds), `${fixed(w.p99_us / 1000)} ms`,
    `${w.shed}` + (l.shed.count ? ` (${fixed(l.shed.p50Ms, 2)}/${fixed(l.shed.p99Ms, 2)} ms)` : ''),
    `${w.checked - w.good - w.shed}`, `${w.connect_errors + w.read_errors + w.write_errors}/${w.timeouts}`,
  ]
}

/**
 * The table, modes side by side (columns of the first, then the second), and per mode the issue's
 * ratios for every level of 1,000 connections or more: goodput against the peak over the levels
 * between the first and 1,000, p99 against the first level's.
 */
export function report(runs: ModeRun[]): string {
  const head = ['goodput/s', 'p99 (all)', '503s (server p50/p99)', 'other', 'socket err/timeouts']
  const lines = [
    `| connections | ${runs.flatMap((r) => head.map((h) => `${h} ${r.mode}`)).join(' | ')} |`,
    `|---:|${runs.flatMap(() => head.map(() => '---:')).join('|')}|`,
  ]
  const levels = runs[0]?.levels.map((l) => l.connections) ?? []
  levels.forEach((c, i) => lines.push(`| ${c}${runs.some((r) => r.levels[i] && !r.levels[i]!.settled) ? '*' : ''} | ${runs.flatMap((r) => r.levels[i] ? row(r.levels[i]!) : head.map(() => '—')).join(' | ')} |`))
  lines.push('', '503s: answers shed by the overload control (count in wrk; how long the server took over them, from its access log).',
    '"other": every other answer (degraded pages, 502s, the app\'s own 503s). A level marked * began before the server had settled.')
  for (const r of runs) {
    lines.push('', `${r.mode}: load average ${r.loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${r.loadAfter.map((l) => l.toFixed(2)).join(' ')} after`)
    const loops = r.levels.filter((l) => l.loops)
    if (loops.length) lines.push(`  workers' main threads, % of each level on a CPU / waiting for one: ${loops.map((l) => `${l.connections}: ${fixed(l.loops!.runPct)}/${fixed(l.loops!.waitPct)}`).join(', ')}`)
    const first = r.levels[0]
    const middle = r.levels.filter((l, i) => i > 0 && l.connections < 1000)
    const peak = Math.max(...middle.map((l) => l.wrk.good / l.seconds))
    for (const l of r.levels.filter((x) => x.connections >= 1000)) {
      if (l.wrk.requests === 0) { lines.push(`  at ${l.connections}: no answer within the level's ${fixed(l.seconds)} s (socket errors ${l.wrk.connect_errors + l.wrk.read_errors + l.wrk.write_errors})`); continue }
      const good = l.wrk.good / l.seconds
      const parts = []
      if (middle.length) parts.push(`goodput ${fixed(good)}/s = ${fixed(good / peak, 2)}× the peak over ${middle.map((m) => m.connections).join('/')} (issue: ≥ 0.9)`)
      if (first) parts.push(`p99 ${fixed(l.wrk.p99_us / 1000)} ms = ${fixed(l.wrk.p99_us / first.wrk.p99_us, 2)}× the p99 at ${first.connections} (issue: ≤ 3)`)
      if (l.shed.count) parts.push(`503s answered in ${fixed(l.shed.maxMs, 2)} ms at most by the server, ${l.shed.over} of ${l.shed.count} in ${SHED_BAR_MS} ms or more (issue: < ${SHED_BAR_MS} ms)`)
      parts.push(waitedFor(l))
      lines.push(`  at ${l.connections}: ${parts.join('; ')}`)
    }
  }
  return lines.join('\n')
}
