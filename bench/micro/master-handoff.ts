/**
 * The master's CPU per new connection: corral's round-robin hand-off (src/arbiter/dispatch.ts)
 * beside node:cluster's primary, which hands connections to its workers the same way. Each round
 * opens N connections, C at a time, one request on each, against hello with 2 workers; the
 * figure is the master's (primary's) user+system CPU from /proc over the round, per connection.
 * Servers alternate round by round. Loopback only; every round is bounded by its count.
 *
 *   node --import tsx bench/micro/master-handoff.ts [--rounds 5] [--connections 3000] [--concurrency 50] [--node <bin>]
 *
 * Why it matters: wrk opens all its connections at the start of a run, so at 1,000 or 10,000
 * connections the hand-off is a burst the master serves while the workers are already busy.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { processCpuSeconds } from '../process-cpu.js'

const { values: a } = parseArgs({ options: {
  rounds: { type: 'string', default: '5' }, connections: { type: 'string', default: '3000' },
  concurrency: { type: 'string', default: '50' }, node: { type: 'string', default: process.execPath },
} })
const root = fileURLToPath(new URL('../..', import.meta.url))
const rounds = Number(a.rounds), total = Number(a.connections), concurrency = Number(a.concurrency)

function start(kind: 'corral' | 'node-cluster', port: number): ChildProcess {
  const args = kind === 'corral'
    ? [`${root}/dist/cli/main.js`, 'serve', `${root}/bench/scenarios/hello.ts`, '--workers', '2', '--bind', `127.0.0.1:${port}`,
        '--admin-bind', 'off', '--control-socket', 'off', '--access-log', 'off', '--log-level', 'warn']
    : [`${root}/bench/anchors/node/cluster.cjs`]
  return spawn(a.node!, args, { env: { ...process.env, PORT: String(port), BENCH_WORKERS: '2', BENCH_SCENARIO: 'hello' }, stdio: 'ignore' })
}

/** One request on a new connection; resolves false when it got no answer. */
const once = (port: number) => new Promise<boolean>((resolve) => {
  const s = connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: bench\r\n\r\n'))
  s.setTimeout(10_000, () => { s.destroy(); resolve(false) })
  s.once('data', () => { s.destroy(); resolve(true) })
  s.once('error', () => resolve(false))
})

async function round(port: number, pid: number): Promise<{ usPerConnection: number; failed: number }> {
  let next = 0, failed = 0
  const t0 = processCpuSeconds(pid) ?? NaN
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) { next++; if (!(await once(port))) failed++ }
  }))
  return { usPerConnection: (((processCpuSeconds(pid) ?? NaN) - t0) * 1e6) / total, failed }
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
const kinds = ['node-cluster', 'corral'] as const
const servers = kinds.map((kind, i) => ({ kind, port: 29_400 + i, child: start(kind, 29_400 + i), us: [] as number[] }))
try {
  for (const s of servers) {
    for (let i = 0; i < 100 && !(await once(s.port)); i++) await new Promise((r) => setTimeout(r, 100))
    await round(s.port, s.child.pid!) // warm-up: the JIT, the workers' first connections
  }
  for (let r = 0; r < rounds; r++) {
    for (const s of r % 2 ? [...servers].reverse() : servers) {
      const { usPerConnection, failed } = await round(s.port, s.child.pid!)
      s.us.push(usPerConnection)
      console.log(`round ${r + 1} ${s.kind}: ${usPerConnection.toFixed(0)} µs of master CPU per connection${failed ? ` (${failed} failed)` : ''}`)
    }
  }
  const [base, corral] = servers.map((s) => median(s.us))
  console.log(`median: node:cluster ${base!.toFixed(0)} µs, corral ${corral!.toFixed(0)} µs per connection (${(corral! / base!).toFixed(2)}x), ${total} connections a round, ${concurrency} at a time, Node ${a.node === process.execPath ? process.version : a.node}`)
} finally {
  for (const s of servers) s.child.kill('SIGTERM')
}
