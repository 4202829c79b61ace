/**
 * Heap held per request in flight (issue 11): what a fan-out request keeps alive while it waits on its
 * upstream calls. One worker serves `--requests` of them at once against the upstream simulator with
 * a long delay; in the middle of the wait the worker collects its garbage twice and reports its heap,
 * and the same after a warm round with nothing in flight. The difference over the requests is the
 * figure. Unlike rps or CPU time it does not move with what else the machine is doing, and it is
 * what every scavenge has to copy while those requests are young (on a fan-out at 1,000
 * connections, GC threads were 5-24% of corral's extra CPU on Node 26; bench/README.md).
 *
 *   node --import tsx bench/inflight-memory.ts [--server corral|node-cluster|BUILD] [--scenario fanout|fanout-io]
 *       [--requests 1000] [--delay 3000] [--rounds 3] [--sites] [--node PATH] [-- extra serve args]
 *
 * --sites takes V8's sampling heap profile over the last round (kept objects only, every 64 bytes)
 * and lists the allocation sites of what the requests in flight hold, per request.
 * The worker is told by signals through a preload (SIGURG: collect and report the heap; SIGTTIN and
 * SIGTTOU: start and read the sampling profile), so both servers run unchanged.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Agent, request } from 'undici'
import { freePort } from '../src/net/free-port.js'
import { childPids } from './process-cpu.js'
import { probe } from './server-process.js'

const root = resolve(fileURLToPath(new URL('..', import.meta.url)))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const PRELOAD = (dir: string) => `'use strict'
const { writeFileSync } = require('node:fs')
const dir = ${JSON.stringify(dir)}
process.on('SIGURG', () => {
  global.gc(); global.gc()
  const m = process.memoryUsage()
  writeFileSync(dir + '/heap-' + process.pid + '.json', JSON.stringify({ heapUsed: m.heapUsed, external: m.external }))
})
let session
process.on('SIGTTIN', () => {
  session = new (require('node:inspector').Session)()
  session.connect()
  session.post('HeapProfiler.startSampling', { samplingInterval: 64 }, () => writeFileSync(dir + '/sampling-' + process.pid, ''))
})
process.on('SIGTTOU', () => {
  session.post('HeapProfiler.getSamplingProfile', (err, r) => {
    writeFileSync(dir + '/profile-' + process.pid + '.json', JSON.stringify(err ? null : r.profile))
    session.post('HeapProfiler.stopSampling', () => session.disconnect())
  })
})
`

/** Signal the worker and wait for the file it writes in answer. */
async function ask(pid: number, signal: NodeJS.Signals, file: string): Promise<string> {
  rmSync(file, { force: true })
  process.kill(pid, signal)
  for (const until = Date.now() + 30_000; !existsSync(file); await sleep(10)) if (Date.now() > until) throw new Error(`no answer to ${signal} from ${pid}`)
  await sleep(20)
  return readFileSync(file, 'utf8')
}

interface ProfileNode { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: ProfileNode[] }

/** Allocation sites of a sampling profile: self bytes per function and line. */
function sites(profile: ProfileNode): [string, number][] {
  const bytes = new Map<string, number>()
  const walk = (n: ProfileNode) => {
    const f = n.callFrame
    const where = f.url.replace(/^.*\/(node_modules|dist|bench|src)\//, '$1/')
    const key = `${f.functionName || '(anonymous)'} ${where}${where ? `:${f.lineNumber + 1}` : ''}`
    if (n.selfSize) bytes.set(key, (bytes.get(key) ?? 0) + n.selfSize)
    for (const c of n.children) walk(c)
  }
  walk(profile)
  return [...bytes].sort((a, b) => b[1] - a[1])
}

async function main(): Promise<void> {
  const { values: a, positionals } = parseArgs({ allowPositionals: true, options: {
    server: { type: 'string', default: 'corral' }, scenario: { type: 'string', default: 'fanout' },
    requests: { type: 'string', default: '1000' }, delay: { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '3' }, sites: { type: 'boolean', default: false }, node: { type: 'string' },
  } })
  const node = a.node ?? process.execPath
  const n = Number(a.requests)
  const delay = Number(a.delay)
  const dir = mkdtempSync(join(tmpdir(), 'corral-inflight-'))
  writeFileSync(join(dir, 'preload.cjs'), PRELOAD(dir))
  const [port, upstreamPort] = [await freePort(), await freePort()]
  const anchor = a.server === 'node-cluster'
  const build = anchor || a.server === 'corral' ? root : resolve(a.server!)
  const env = {
    ...process.env, BENCH_UPSTREAM: `http://127.0.0.1:${upstreamPort}`, BENCH_DELAY_MS: String(delay),
    BENCH_UPSTREAM_CONNECTIONS: String(3 * n), BENCH_WORKERS: '1', BENCH_SCENARIO: a.scenario!, PORT: String(port),
  }
  const upstream = spawn(node, [join(root, 'bench/upstream/simulator.cjs')], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...env, PORT: String(upstreamPort) } })
  await new Promise<void>((ready) => upstream.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('ready')) ready() }))
  const args = anchor
    ? [join(root, 'bench/anchors/node/cluster.cjs')]
    : [join(build, 'dist/cli/main.js'), 'serve', join(root, `bench/scenarios/${a.scenario}.ts`), '--workers', '1', '--bind', `127.0.0.1:${port}`,
        '--admin-bind', 'off', '--control-socket', 'off', '--access-log', 'off', ...positionals]
  const log = openSync(join(dir, 'server.log'), 'w')
  const server = spawn(node, args, { stdio: ['ignore', log, log], env: { ...env, NODE_OPTIONS: `--expose-gc --require ${join(dir, 'preload.cjs')}` } })
  const agent = new Agent({ connections: n, keepAliveTimeout: 60_000 })
  let connects = 0
  agent.on('connect', () => { connects++ })
  try {
    for (const until = Date.now() + 60_000; !(await probe(`http://127.0.0.1:${port}/`, delay + 5000));) {
      if (Date.now() > until || server.exitCode !== null) throw new Error(`the server did not answer (its log: ${dir}/server.log)`)
      await sleep(200)
    }
    const [worker] = childPids(server.pid!)
    const heap = async () => JSON.parse(await ask(worker!, 'SIGURG', join(dir, `heap-${worker}.json`))) as { heapUsed: number; external: number }
    const burst = async () => {
      const statuses = await Promise.all(Array.from({ length: n }, async () => {
        const res = await request(`http://127.0.0.1:${port}/`, { dispatcher: agent, headersTimeout: 60_000 })
        await res.body.dump()
        return res.statusCode
      }))
      return statuses.filter((s) => s !== 200).length
    }
    // Every path runs the fan-out, so the probe waits out one delay. Warm until a whole round is answered 200 (a fresh corral worker learns its limit first).
    let failed = n
    for (let round = 0; round < 10 && failed > 0; round++) failed = await burst()
    if (failed > 0) throw new Error(`${failed} of ${n} requests were not answered 200 after 10 warm rounds`)
    const perRequest: { heap: number; external: number; connects: number }[] = []
    let top: [string, number][] = []
    for (let round = 0; round < Number(a.rounds); round++) {
      const idle = await heap()
      const last = round === Number(a.rounds) - 1
      if (a.sites && last) await ask(worker!, 'SIGTTIN', join(dir, `sampling-${worker}`))
      const before = connects
      const answered = burst()
      await sleep(delay / 2)
      const busy = await heap()
      if (a.sites && last) top = sites(JSON.parse(await ask(worker!, 'SIGTTOU', join(dir, `profile-${worker}.json`))).head as ProfileNode)
      const notOk = await answered
      if (notOk > 0) throw new Error(`${notOk} of the measured ${n} requests were not answered 200`)
      perRequest.push({ heap: (busy.heapUsed - idle.heapUsed) / n, external: (busy.external - idle.external) / n, connects: connects - before })
    }
    const version = execFileSync(node, ['--version']).toString().trim()
    console.log(`${anchor ? 'node:cluster' : `corral (${build}${positionals.length ? ` ${positionals.join(' ')}` : ''})`} · ${a.scenario} · Node ${version} · ${n} requests in flight, upstream delay ${delay} ms`)
    for (const [i, r] of perRequest.entries()) console.log(`round ${i + 1}: heap ${Math.round(r.heap)} bytes per request in flight, external ${Math.round(r.external)}; new connections ${r.connects}`)
    const heaps = perRequest.map((r) => r.heap).sort((x, y) => x - y)
    console.log(`median: ${Math.round(heaps[heaps.length >> 1]!)} bytes per request in flight`)
    if (top.length) {
      const total = top.reduce((s, [, b]) => s + b, 0)
      console.log(`allocation sites of what is held (sampled, last round), bytes per request, of ${Math.round(total / n)}:`)
      for (const [site, b] of top.slice(0, 30)) console.log(`${String(Math.round(b / n)).padStart(7)}  ${site}`)
    }
  } finally {
    await agent.close()
    server.kill('SIGTERM')
    upstream.kill('SIGTERM')
    await sleep(2000)
    for (const pid of [server.pid!, ...childPids(server.pid!)]) { try { process.kill(pid, 'SIGKILL') } catch { /* gone */ } }
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
