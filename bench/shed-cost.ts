/**
 * Benchmark (not a test), issue 12: the CPU a shed request costs the server, against an admitted
 * hello and against the floor, node:http answering the same 503 with nothing around it.
 *
 * One worker whose --worker-connections (8) is filled by requests to /hold that never end, then wrk
 * on `/`: every request past the limit is shed. Measured from /proc (the server's process group,
 * master included) over each wrk run, less what the server burnt idle over as long just before
 * (the limit's steps, heartbeats), divided by the answers wrk counted:
 *
 * - corral, overload control on (the default), `/` admitted: the hello path, for scale;
 * - corral, control on, the worker full: the adaptive path's shed (admission, the 503, the pause
 *   of the connection's reading, docs/overload.md "Then the connection rests");
 * - corral, `--no-overload-control`: the static cap's immediate 503 (no pause);
 * - node:http answering every request with that 503 (bench/overload/bare-503.cjs).
 *
 *   npm run build && node --import tsx bench/shed-cost.ts [--seconds 8] [--connections 100] [--rounds 3] [--node <node binary>]
 *
 * The file-descriptor limit is raised to the hard limit (bench/overload/levels.ts), so --connections
 * may be 10,000. Loopback only; every start and every wrk is bounded.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from '../src/net/free-port.js'
import { groupCpuSeconds } from './process-cpu.js'
import { startServer, stopServer, type RunningServer } from './server-process.js'
import { raiseFdLimit, runWrk, type WrkResult } from './overload/levels.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const SCRIPT = join(root, 'bench/overload/fanout.lua')
const LIMIT = 8
/** How long fill() tries, and how long it waits between tries (the adaptive limit's step). */
const FILL_MS = 20_000
const STEP_MS = 100

const { values: a } = parseArgs({ options: {
  seconds: { type: 'string', default: '8' }, connections: { type: 'string', default: '100' }, rounds: { type: 'string', default: '3' },
  node: { type: 'string', default: process.execPath },
} })

interface Case { name: string; args: string[] | null; hold: boolean; expect: 'good' | 'shed' }
const cases: Case[] = [
  { name: 'corral, admitted hello (200)', args: [], hold: false, expect: 'good' },
  { name: 'corral, shed by the adaptive limit (503 + pause)', args: [], hold: true, expect: 'shed' },
  { name: 'corral --no-overload-control, static cap (503)', args: ['--no-overload-control'], hold: true, expect: 'shed' },
  { name: 'node:http, the same 503 and nothing else', args: null, hold: false, expect: 'shed' },
]

/** A GET that the server keeps (until its socket is destroyed), or answers at once when it sheds it. */
function hold(port: number): { socket: Socket; answered: () => boolean } {
  const socket = connect(port, '127.0.0.1')
  let answered = false
  socket.setNoDelay(true)
  socket.write('GET /hold HTTP/1.1\r\nhost: bench\r\n\r\n')
  socket.on('data', () => { answered = true })
  socket.on('error', () => undefined)
  return { socket, answered: () => answered }
}

/** One GET / on a connection of its own; its status. */
function statusOf(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nhost: bench\r\nconnection: close\r\n\r\n'))
    let head = ''
    socket.setEncoding('latin1')
    socket.on('data', (d) => { head += d })
    socket.on('end', () => resolve(Number(head.slice(9, 12))))
    socket.on('error', reject)
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer to the probe within 5 s')))
  })
}

/**
 * Fill the worker: --worker-connections (LIMIT) requests held, none of them shed, and a probe of `/`
 * shed (the server's own evidence). A hold shed on the way (the adaptive limit was below LIMIT
 * then) is replaced, since the limit may grow to LIMIT later and would then admit wrk's requests.
 */
async function fill(port: number): Promise<Socket[]> {
  let holds: ReturnType<typeof hold>[] = []
  const deadline = performance.now() + FILL_MS
  while (performance.now() < deadline) {
    holds = holds.filter((h) => !h.answered() || (h.socket.destroy(), false))
    while (holds.length < LIMIT) holds.push(hold(port))
    if (await statusOf(port) === 503 && holds.every((h) => !h.answered())) return holds.map((h) => h.socket)
    // The limit moves once a step (100 ms): after a heavy warm-up it may start below LIMIT and grow.
    await sleep(STEP_MS)
  }
  throw new Error(`the worker did not keep ${LIMIT} requests held and shed the probe within ${FILL_MS / 1000} s`)
}

async function measure(c: Case, dir: string): Promise<{ wrk: WrkResult; cpuS: number }> {
  const port = await freePort()
  const launch = c.args === null
    ? { command: a.node!, args: [join(root, 'bench/overload/bare-503.cjs')] }
    : { command: a.node!, args: [join(root, 'dist/cli/main.js'), 'serve', join(root, 'bench/overload/hold-app.ts'), '--bind', `127.0.0.1:${port}`,
        '--admin-bind', 'off', '--control-socket', 'off', '--workers', '1', '--worker-connections', String(LIMIT), '--overload-queue', '0', ...c.args] }
  const server: RunningServer = await startServer(launch, { port, path: '/', env: { CORRAL_LOG_LEVEL: 'warn' }, logDir: dir, logName: c.name.replace(/\W+/g, '-'), readyTimeoutMs: 60_000 })
  const url = `http://127.0.0.1:${port}`
  try {
    // The warm-up also gives the adaptive limit its latency sample, which sets the pause of a shed connection.
    await runWrk({ url, connections: Number(a.connections), seconds: 2, threads: 1, script: SCRIPT })
    const holds = c.hold ? await fill(port) : []
    try {
      // What the server burns with nothing asked (the limit's steps, heartbeats) over as long, taken off.
      const idleFrom = groupCpuSeconds(server.pid)!
      await sleep(Number(a.seconds) * 1000)
      const before = groupCpuSeconds(server.pid)!
      const idleS = before - idleFrom
      const wrk = await runWrk({ url, connections: Number(a.connections), seconds: Number(a.seconds), threads: 1, script: SCRIPT })
      const cpuS = groupCpuSeconds(server.pid)! - before - idleS * (wrk.duration_us / 1e6) / Number(a.seconds)
      if (wrk[c.expect] < 0.99 * wrk.checked) throw new Error(`${c.name}: expected ${c.expect} answers, wrk counted good ${wrk.good}, shed ${wrk.shed}, other ${wrk.degraded}`)
      return { wrk, cpuS }
    } finally { for (const h of holds) h.destroy() }
  } finally { await stopServer(server) }
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!

async function main(): Promise<void> {
  // Many connections make the paced sheds many (each connection is shed about once a pause).
  await raiseFdLimit()
  const dir = mkdtempSync(join(tmpdir(), 'corral-bench-shed-'))
  const results = new Map<string, { usPer: number[]; rps: number[] }>(cases.map((c) => [c.name, { usPer: [], rps: [] }]))
  try {
    for (let round = 1; round <= Number(a.rounds); round++) {
      for (const c of cases) {
        const { wrk, cpuS } = await measure(c, dir)
        const r = results.get(c.name)!
        r.usPer.push(cpuS * 1e6 / wrk.requests)
        r.rps.push(wrk.requests / (wrk.duration_us / 1e6))
        console.log(`round ${round}: ${c.name}: ${Math.round(r.rps.at(-1)!)} answers/s, ${r.usPer.at(-1)!.toFixed(1)} µs CPU each`)
      }
    }
  } finally { rmSync(dir, { recursive: true, force: true }) }
  const version = (await import('node:child_process')).execFileSync(a.node!, ['--version'], { encoding: 'utf8' }).trim()
  console.log(`\nOne worker, wrk -t1 -c${a.connections} -d${a.seconds}s, ${a.rounds} rounds (medians); ${cpus().length} CPUs, Node ${version}\n`)
  console.log('| what | answers/s | server CPU per answer |\n|---|---:|---:|')
  for (const c of cases) {
    const r = results.get(c.name)!
    console.log(`| ${c.name} | ${Math.round(median(r.rps)).toLocaleString('en')} | ${median(r.usPer).toFixed(1)} µs |`)
  }
}

await main()
