/**
 * Boot and memory (issue 11): how long from spawning the server to its first 200, and how much
 * memory each worker holds once it has served a little, for corral and for plain node:cluster
 * serving hello, side by side in alternating rounds.
 *
 *   npm run bench:boot -- [--rounds 7] [--workers 2] [--node PATH] [--app examples/hello/app.ts] [--requests 2000] [--compare BUILD]
 *
 * --compare boots another build of corral (a checkout whose dist/ is built, e.g. main's) beside this
 * one in the same rounds, serving the same app.
 *
 * Boot: spawn → the first HTTP 200 on the port, probing every 5 ms (each probe a fresh connection),
 * and the CPU all the server's processes used until then (from /proc: on a busy machine the
 * wall time mostly measures the wait for a core, the CPU time what the server had to do).
 * Memory: RSS of each worker (every process of the server but its master) after `--requests`
 * hello requests, read from /proc; the master's own RSS beside it. Loopback only; every server is
 * stopped (its whole process group) before the next starts.
 */
import { spawn } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { request } from 'node:http'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { nodeVersion } from './machine.js'
import { groupCpuSeconds } from './process-cpu.js'
import { freePort, stopServer, type RunningServer } from './server-process.js'
import { spread } from './report/summary.js'

const root = resolve(fileURLToPath(new URL('..', import.meta.url)))

interface Server { name: string; command: string; args: string[]; env?: Record<string, string> }

function get(port: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', () => resolve(0))
    req.on('timeout', () => { req.destroy(); resolve(0) })
    req.end()
  })
}

/** RSS in MB of each process whose parent is `master`, and of the master. */
function rss(master: number): { master: number; workers: number[] } {
  const mb = (pid: string) => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
      return m ? Number(m[1]) / 1024 : undefined
    } catch { return undefined }
  }
  const workers: number[] = []
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === master) { const v = mb(pid); if (v !== undefined) workers.push(v) }
    } catch { /* gone */ }
  }
  return { master: mb(String(master)) ?? NaN, workers }
}

async function once(server: Server, port: number, requests: number): Promise<{ bootMs: number; cpuMs: number; master: number; workers: number[] }> {
  const t0 = performance.now()
  const child = spawn(server.command, [...server.args, ...(server.name.startsWith('corral') ? ['--bind', `127.0.0.1:${port}`] : [])], {
    detached: true, stdio: 'ignore', cwd: root,
    env: { ...process.env, ...server.env, PORT: String(port), CORRAL_LOG_LEVEL: 'warn' },
  })
  const exited = new Promise<number | null>((r) => child.once('exit', r))
  const running: RunningServer = { pid: child.pid!, port, url: '', log: '', child, exited }
  try {
    let bootMs = NaN
    let cpuMs = NaN
    while (performance.now() - t0 < 30_000) {
      if (child.exitCode !== null) throw new Error(`${server.name} exited with ${child.exitCode} before answering`)
      if ((await get(port, 1000)) === 200) {
        bootMs = performance.now() - t0
        cpuMs = (groupCpuSeconds(child.pid!) ?? NaN) * 1000
        break
      }
      await new Promise((r) => setTimeout(r, 5))
    }
    if (Number.isNaN(bootMs)) throw new Error(`${server.name} did not answer within 30 s`)
    // Serve a little over a few keep-alive connections, so the memory is that of a worker at work.
    let left = requests
    await Promise.all(Array.from({ length: 8 }, async () => { while (left-- > 0) await get(port, 5000) }))
    await new Promise((r) => setTimeout(r, 300))
    return { bootMs, cpuMs, ...rss(child.pid!) }
  } finally {
    await stopServer(running, 2000)
  }
}

async function main(): Promise<void> {
  const { values: a } = parseArgs({ options: {
    rounds: { type: 'string', default: '7' }, workers: { type: 'string', default: '2' }, node: { type: 'string' },
    app: { type: 'string', default: 'examples/hello/app.ts' }, requests: { type: 'string', default: '2000' },
    // Another build of corral (a checkout with dist/ built) to boot beside this one, as the bench's corral-async@root=.
    compare: { type: 'string', multiple: true },
  } })
  const node = a.node ?? process.execPath
  const workers = a.workers!
  const servers: Server[] = [
    { name: 'node-cluster', command: node, args: [join(root, 'bench/anchors/node/cluster.cjs')], env: { BENCH_WORKERS: workers, BENCH_SCENARIO: 'hello' } },
    { name: `corral ${a.app}`, command: node, args: [join(root, 'dist/cli/main.js'), 'serve', a.app!, '--workers', workers,
      '--admin-bind', 'off', '--control-socket', 'off', '--access-log', 'off'] },
    ...(a.compare ?? []).map((build) => ({ name: `corral ${a.app} (build in ${build})`, command: node, args: [join(resolve(build), 'dist/cli/main.js'), 'serve', a.app!,
      '--workers', workers, '--admin-bind', 'off', '--control-socket', 'off', '--access-log', 'off'] })),
  ]
  const results = new Map(servers.map((s) => [s.name, { boot: [] as number[], cpu: [] as number[], worker: [] as number[], master: [] as number[] }]))
  let port = await freePort(18_900)
  for (let round = 1; round <= Number(a.rounds); round++) {
    for (const s of round % 2 ? servers : [...servers].reverse()) {
      port = await freePort(port + 1)
      const r = await once(s, port, Number(a.requests))
      const into = results.get(s.name)!
      into.boot.push(r.bootMs)
      into.cpu.push(r.cpuMs)
      into.worker.push(...r.workers)
      into.master.push(r.master)
      process.stderr.write(`round ${round} ${s.name}: first 200 after ${r.bootMs.toFixed(0)} ms (${r.cpuMs.toFixed(0)} ms of CPU); workers ${r.workers.map((w) => w.toFixed(1)).join(', ')} MB; master ${r.master.toFixed(1)} MB\n`)
    }
  }
  const base = results.get('node-cluster')!
  const f = (v: number) => v.toFixed(0)
  const lines = [
    `Node ${nodeVersion(node)}, ${workers} workers, ${a.rounds} alternating rounds; RSS after ${a.requests} requests`, '',
    '| server | spawn → first 200, median (min–max) | / node:cluster | CPU until then, all processes | RSS per worker, median (min–max) | − node:cluster | master RSS |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ]
  for (const [name, r] of results) {
    const b = spread(r.boot)
    const w = spread(r.worker)
    lines.push(`| ${name} | ${f(b.median)} ms (${f(b.min)}–${f(b.max)}) | ${(b.median / spread(base.boot).median).toFixed(2)}x | ${f(spread(r.cpu).median)} ms | ` +
      `${w.median.toFixed(1)} MB (${w.min.toFixed(1)}–${w.max.toFixed(1)}) | ${(w.median - spread(base.worker).median >= 0 ? '+' : '')}${(w.median - spread(base.worker).median).toFixed(1)} MB | ${spread(r.master).median.toFixed(1)} MB |`)
  }
  console.log(lines.join('\n'))
}

await main()
