/**
 * Benchmark (not a test): how long a level's new connections wait in the master for a worker
 * (docs/balance.md, "Bursts of new connections"). The fan-out (fanout-io, as bench/fanout-overload.ts
 * serves it) at a list of connection counts, each a fresh wrk that opens all its connections at
 * once; the master's /status is read every --sample-ms during each level, and the report gives the
 * longest line of connections waiting for a worker (`intake.waiting`), how long after the level
 * began the line was first empty again, and wrk's p99 and answers per second.
 *
 *   npm run build && node --import tsx bench/handoff.ts [--connections 20,1000,10000] [--seconds 10]
 *     [--sample-ms 250] [--server-args '--no-burst-intake']
 *
 * Loopback only; every start and every wrk is bounded (bench/overload/levels.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { freePort } from '../src/net/free-port.js'
import { startServer, stopServer } from './server-process.js'
import { startUpstream } from './upstream/upstream.js'
import { raiseFdLimit, runWrk, settle } from './overload/levels.js'

const root = fileURLToPath(new URL('..', import.meta.url))

const { values: a } = parseArgs({ options: {
  connections: { type: 'string', default: '20,1000,10000' }, seconds: { type: 'string', default: '10' }, 'sample-ms': { type: 'string', default: '250' },
  workers: { type: 'string', default: '2' }, 'server-args': { type: 'string', default: '' }, 'delay-ms': { type: 'string', default: '300' },
} })

interface Row { connections: number; maxWaiting: number; emptyAfterS: number; p99Ms: number; rps: number; bursts: number | null }

async function main(): Promise<void> {
  await raiseFdLimit()
  const dir = mkdtempSync(join(tmpdir(), 'corral-bench-handoff-'))
  const simulator = await startUpstream(await freePort(), 2)
  const [port, adminPort] = [await freePort(), await freePort()]
  const server = await startServer({
    command: process.execPath,
    args: [join(root, 'dist/cli/main.js'), 'serve', join(root, 'bench/scenarios/fanout-io.ts'), '--bind', `127.0.0.1:${port}`, '--admin-bind', `127.0.0.1:${adminPort}`,
      '--control-socket', 'off', '--workers', a.workers!, '--worker-connections', '100000', ...a['server-args']!.split(' ').filter(Boolean)],
  }, {
    port, path: '/', logDir: dir, logName: 'handoff', readyTimeoutMs: 60_000,
    env: { CORRAL_LOG_LEVEL: 'warn', BENCH_UPSTREAM: `http://127.0.0.1:${simulator.port}`, BENCH_DELAY_MS: a['delay-ms']!, BENCH_UPSTREAM_CONNECTIONS: '1024' },
  })
  const intake = async () => ((await (await fetch(`http://127.0.0.1:${adminPort}/status`, { signal: AbortSignal.timeout(2000) })).json()) as { intake?: { waiting: number; bursts: number | null } }).intake
  const rows: Row[] = []
  try {
    const url = `http://127.0.0.1:${port}`
    for (const connections of a.connections!.split(',').map(Number)) {
      await settle(async () => (await fetch(`${url}/`, { signal: AbortSignal.timeout(2000) }).then(async (r) => { await r.arrayBuffer(); return r.status })) === 200)
      const started = performance.now()
      let maxWaiting = 0
      let emptyAt = NaN
      const sampler = setInterval(() => {
        void intake().then((i) => {
          const waiting = i?.waiting ?? 0
          maxWaiting = Math.max(maxWaiting, waiting)
          if (waiting === 0 && maxWaiting > 0 && Number.isNaN(emptyAt)) emptyAt = performance.now()
        }, () => undefined)
      }, Number(a['sample-ms']))
      const wrk = await runWrk({ url, connections, seconds: Number(a.seconds), threads: 2, script: join(root, 'bench/overload/fanout.lua') })
      clearInterval(sampler)
      rows.push({ connections, maxWaiting, emptyAfterS: (emptyAt - started) / 1000, p99Ms: wrk.p99_us / 1000, rps: wrk.requests / (wrk.duration_us / 1e6), bursts: (await intake())?.bursts ?? null })
      console.log(`  ${connections} connections: at most ${maxWaiting} waiting in the master, empty after ${rows.at(-1)!.emptyAfterS.toFixed(2)} s; p99 ${rows.at(-1)!.p99Ms.toFixed(0)} ms`)
    }
  } finally {
    await stopServer(server)
    await stopServer(simulator)
    rmSync(dir, { recursive: true, force: true })
  }
  console.log(`\nfanout-io (3 calls of ${a['delay-ms']} ms), ${a.seconds} s per level, wrk -t2; corral ${a.workers} workers ${a['server-args']}; /status every ${a['sample-ms']} ms; ${cpus().length} CPUs, Node ${process.versions.node}\n`)
  console.log('| connections | most waiting in the master | line first empty after | p99 (wrk) | answers/s | bursts so far |')
  console.log('|---:|---:|---:|---:|---:|---:|')
  for (const r of rows) console.log(`| ${r.connections} | ${r.maxWaiting} | ${Number.isNaN(r.emptyAfterS) ? (r.maxWaiting ? 'not within the level' : '—') : `${r.emptyAfterS.toFixed(2)} s`} | ${r.p99Ms.toFixed(0)} ms | ${r.rps.toFixed(0)} | ${r.bursts ?? '—'} |`)
}

await main()
