/**
 * Benchmark (not a test), issue 12's fan-out figures: the `fanout-io` scenario (three concurrent
 * corral/io upstream calls under gather, each answered by the upstream simulator after
 * BENCH_DELAY_MS) served by corral at a list of connection counts with wrk, the overload control on
 * and off side by side (off: --no-overload-control and BENCH_UPSTREAM_LIMIT=off, the static cap and
 * every upstream call sent, as before). For each level: goodput (200s: every call answered, per
 * second), the p99 of all answers, the shed 503s (how many, and how long the server took over
 * them, from its access log) and the rest; then the issue's ratios at 1,000 and 10,000 connections,
 * and per level the share of its time the workers' main threads spent on a CPU and waiting for one.
 *
 *   npm run build && node --import tsx bench/fanout-overload.ts \
 *     [--connections 20,50,100,200,400,1000,10000] [--seconds 20] [--warmup 5] [--workers 2] [--modes on,off] [--delay-ms 300]
 *     [--server-args '--balance reuseport']   (more settings for corral, in both modes)
 *
 * The file-descriptor limit is raised to the hard limit inside the bench (10,000 connections need
 * some 10,000 descriptors in wrk and in the server, and three upstream pools' worth in the
 * simulator). Loopback only; every start and every wrk is bounded (bench/overload/levels.ts).
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { freePort } from '../src/net/free-port.js'
import { childPids } from './process-cpu.js'
import { startServer, stopServer } from './server-process.js'
import { startUpstream } from './upstream/upstream.js'
import { ACCESS_FORMAT, raiseFdLimit, report, runLevels, runWrk, type ModeRun } from './overload/levels.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const CLI = join(root, 'dist/cli/main.js')
const SCRIPT = join(root, 'bench/overload/fanout.lua')
const READY_MS = 60_000

const { values: a } = parseArgs({ options: {
  connections: { type: 'string', default: '20,50,100,200,400,1000,10000' }, seconds: { type: 'string', default: '20' }, warmup: { type: 'string', default: '5' },
  threads: { type: 'string', default: '2' }, workers: { type: 'string', default: '2' }, 'sim-processes': { type: 'string', default: '2' },
  'delay-ms': { type: 'string', default: '300' }, 'upstream-connections': { type: 'string', default: '1024' }, modes: { type: 'string', default: 'on,off' },
  'server-args': { type: 'string', default: '' },
} })
const levels = a.connections!.split(',').map(Number)
const modes: Record<string, { args: string[]; env: Record<string, string> }> = {
  on: { args: [], env: {} },
  off: { args: ['--no-overload-control'], env: { BENCH_UPSTREAM_LIMIT: 'off' } },
}

async function main(): Promise<void> {
  await raiseFdLimit()
  const dir = mkdtempSync(join(tmpdir(), 'corral-bench-fanout-'))
  const pids: number[] = []
  const onSignal = () => { for (const pid of pids) try { process.kill(-pid, 'SIGKILL') } catch { /* gone */ } process.exit(130) }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const simulator = await startUpstream(await freePort(), Number(a['sim-processes']))
  pids.push(simulator.pid)
  try {
    const runs: ModeRun[] = []
    for (const mode of a.modes!.split(',')) {
      if (!modes[mode]) throw new Error(`--modes: "${mode}" is not on or off`)
      const accessLog = join(dir, `access-${mode}.log`)
      writeFileSync(accessLog, '')
      const port = await freePort()
      const server = await startServer({
        command: process.execPath,
        args: [CLI, 'serve', join(root, 'bench/scenarios/fanout-io.ts'), '--bind', `127.0.0.1:${port}`, '--admin-bind', 'off', '--control-socket', 'off',
          '--workers', a.workers!, '--worker-connections', '100000', '--access-log', accessLog, '--access-log-format', ACCESS_FORMAT, ...modes[mode]!.args, ...a['server-args']!.split(' ').filter(Boolean)],
      }, {
        port, path: '/', logDir: dir, logName: `fanout-${mode}`, readyTimeoutMs: READY_MS, onSpawn: (pid) => pids.push(pid),
        env: {
          CORRAL_LOG_LEVEL: 'warn', BENCH_UPSTREAM: `http://127.0.0.1:${simulator.port}`, BENCH_DELAY_MS: a['delay-ms']!,
          BENCH_UPSTREAM_CONNECTIONS: a['upstream-connections']!, ...modes[mode]!.env,
        },
      })
      try {
        const url = `http://127.0.0.1:${port}`
        console.log(`${mode}: warming up (${a.warmup} s at ${levels[0]} connections)`)
        await runWrk({ url, connections: levels[0]!, seconds: Number(a.warmup), threads: Number(a.threads), script: SCRIPT })
        const healthy = async () => (await fetch(`${url}/`, { signal: AbortSignal.timeout(2000) }).then(async (r) => { await r.arrayBuffer(); return r.status })) === 200
        runs.push(await runLevels({ mode, url, accessLog, levels, seconds: Number(a.seconds), threads: Number(a.threads), script: SCRIPT, healthy, log: console.log, workers: () => childPids(server.pid) }))
      } finally { await stopServer(server) }
    }
    console.log(`\nGET / of fanout-io (3 calls of ${a['delay-ms']} ms), ${a.seconds} s per level, wrk -t${a.threads}; corral ${a.workers} workers${a['server-args'] ? ` ${a['server-args']}` : ''}, ` +
      `simulator ${a['sim-processes']} processes; ${cpus().length} CPUs, Node ${process.versions.node}\n`)
    console.log(report(runs))
  } finally {
    await stopServer(simulator)
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
