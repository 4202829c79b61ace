/**
 * Instructions per request (issue 11): one worker of a server runs under valgrind's callgrind while
 * ab loads it, and its instruction count over a fixed number of requests is divided by them. Unlike
 * rps or CPU time this does not move with what else the machine is doing, so a change to the
 * request path can be judged on a busy machine.
 *
 *   node --import tsx bench/callgrind.ts [--server corral|node-cluster|BUILD] [--scenario hello] [--app bench/scenarios/<scenario>.ts]
 *       [--requests 5000] [--warmup 10000] [--connections 10] [--close] [--names] [--node PATH] [--node-flags '--flag …'] [--runs 1] [--top 40] [-- extra serve args]
 *
 * --scenario picks the anchor's handler and corral's default app; a fan-out (fanout, fanout-io) gets
 * the upstream simulator on a free port with --delay-ms (default 5: under valgrind the server, not the
 * upstream, is the slow part).
 *
 * --server BUILD serves with another checkout's dist/ (as the bench's corral-async@root=); extra
 * arguments go to `corral serve` (e.g. -- --stall-threshold 0). The server runs one worker; its
 * cluster primary starts it under callgrind with instrumentation off (a preload sets the primary's
 * process.execPath to a wrapper), so boot and warm-up are not counted: `callgrind_control -i on` just
 * before the measured requests, `-i off` and a dump after.
 *
 * The main thread's count is the figure: V8's background threads (compiler, concurrent GC) add a
 * varying amount. It is split into JIT code, garbage collection, the event-loop-delay histogram
 * (hdr_*, its iterator: read once per heartbeat, so per-time work that valgrind's slowness inflates per request)
 * and the rest (Node's C++ and V8's builtins). JIT code has no names under valgrind; --names starts
 * the worker with --perf-basic-prof and names it from the perf map. --node-flags gives the worker's Node
 * more flags of its own (V8's among them), for either server.
 *
 * --runs N starts a fresh server N times and ends with the median. One run is not enough to judge a
 * change by: V8's JIT can settle in states that differ by more than the change. In stop 57, 2 of 7
 * fan-out runs of corral on Node 26 counted about 125k more instructions a request (525-530k
 * against 400-407k), spent in the runtime's slow path for object literals with computed keys
 * (process.nextTick's) and the map migrations behind it. A run in such a state says so.
 */
import { execFileSync, spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { freePort } from '../src/net/free-port.js'
import { childPids } from './process-cpu.js'
import { probe, stopServer } from './server-process.js'
import { startUpstream } from './upstream/upstream.js'

const root = resolve(fileURLToPath(new URL('..', import.meta.url)))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const PRELOAD = `import cluster from 'node:cluster'
if (cluster.isPrimary && process.env.CALLGRIND_WRAP) {
  process.execPath = process.env.CALLGRIND_WRAP
  delete process.env.NODE_OPTIONS
}
`

/** `close`: a new connection per request (no -k), so what a connection costs the worker is counted too. */
function ab(port: number, n: number, c: number, close = false): string {
  return execFileSync('ab', ['-q', ...(close ? [] : ['-k']), '-n', String(n), '-c', String(c), `http://127.0.0.1:${port}/`], { maxBuffer: 1 << 24 }).toString()
}

interface Split { main: number; jit: number; gc: number; hdr: number; rest: number; slowLiterals: number }

/** V8's runtime path for literals whose maps keep changing: a JIT state, not the code under test. */
const SLOW_LITERALS = /Runtime_DefineKeyedOwnPropertyInLiteral|JSObject::MigrateToMap/
const SLOW_LITERALS_NOTE = 1000

const GC = /[Ss]cavenge|IterateObjectCache|v8::internal::Heap::|GlobalHandles|Evacuat|Sweep|Marking|MemoryAllocator|RememberedSet|SlotSet|PagedSpace|SemiSpace|NewSpace|MarkCompact|MinorMC|ObjectVisitor|Collector/

/** The main thread's instructions by kind, per request; JIT code by function when a perf map is given. */
function split(file: string, requests: number, perfMap?: string): { split: Split; jit: [string, number][] } {
  const out = execFileSync('callgrind_annotate', ['--threshold=100', file], { maxBuffer: 1 << 28 }).toString()
  const s: Split = { main: 0, jit: 0, gc: 0, hdr: 0, rest: 0, slowLiterals: 0 }
  const map = perfMap && existsSync(perfMap)
    ? readFileSync(perfMap, 'utf8').split('\n').filter(Boolean).map((l) => {
      const [start, size, ...name] = l.split(' ')
      return { start: parseInt(start, 16), end: parseInt(start, 16) + parseInt(size, 16), name: name.join(' ') }
    })
    : undefined
  const jit = new Map<string, number>()
  for (const line of out.split('\n')) {
    const m = /^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(.*)$/.exec(line)
    if (!m || !/^[\d,]+$/.test(m[1])) continue
    const ir = Number(m[1].replaceAll(',', ''))
    const what = m[2]
    if (what.includes('PROGRAM TOTALS')) { s.main = ir; continue }
    if (SLOW_LITERALS.test(what)) s.slowLiterals += ir
    if (/hdr_|all_values_iter|move_next/.test(what)) s.hdr += ir
    else if (GC.test(what)) s.gc += ir
    else if (/^\?\?\?:0x[0-9a-f]+/.test(what)) {
      s.jit += ir
      if (map) {
        const addr = parseInt(/0x([0-9a-f]+)/.exec(what)![1], 16)
        let name = '(unnamed)'
        for (let i = map.length - 1; i >= 0; i--) if (map[i].start <= addr && addr < map[i].end) { name = map[i].name; break }
        jit.set(name, (jit.get(name) ?? 0) + ir)
      }
    } else s.rest += ir
  }
  for (const k of Object.keys(s) as (keyof Split)[]) s[k] = Math.round(s[k] / requests)
  return { split: s, jit: [...jit].map(([k, v]) => [k, Math.round(v / requests)] as [string, number]).sort((a, b) => b[1] - a[1]) }
}

type Options = ReturnType<typeof options>['values']

function options() {
  return parseArgs({ allowPositionals: true, options: {
    server: { type: 'string', default: 'corral' }, scenario: { type: 'string', default: 'hello' }, app: { type: 'string' },
    'delay-ms': { type: 'string', default: '5' },
    requests: { type: 'string', default: '5000' }, warmup: { type: 'string', default: '10000' },
    connections: { type: 'string', default: '10' }, names: { type: 'boolean', default: false }, node: { type: 'string' }, 'node-flags': { type: 'string', default: '' },
    close: { type: 'boolean', default: false }, runs: { type: 'string', default: '1' }, top: { type: 'string', default: '40' },
  } })
}

async function main(): Promise<void> {
  const { values: a, positionals } = options()
  const runs = Number(a.runs)
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs ${a.runs}: give a whole number of runs, 1 or more`)
  const top = Number(a.top)
  if (!Number.isInteger(top) || top < 0) throw new Error(`--top ${a.top}: give a whole number of JIT functions to list, 0 or more`)
  const upstream = a.scenario!.startsWith('fanout') ? await startUpstream(await freePort(), 1) : undefined
  const figures: number[] = []
  try {
    for (let i = 0; i < runs; i++) figures.push(...await once(a, positionals, upstream?.port))
  } finally {
    if (upstream) await stopServer(upstream)
  }
  if (runs > 1) {
    const sorted = [...figures].sort((x, y) => x - y)
    const median = sorted[Math.floor((sorted.length - 1) / 2)]! / 2 + sorted[Math.ceil((sorted.length - 1) / 2)]! / 2
    console.log(`main thread without GC and histogram over ${runs} runs: median ${Math.round(median)} (${figures.join(', ')})`)
  }
}

/** One server under callgrind: boot, warm up, count; the main thread's figure of each worker. */
async function once(a: Options, positionals: string[], upstreamPort: number | undefined): Promise<number[]> {
  const node = a.node ?? process.execPath
  const scenario = a.scenario!
  const requests = Number(a.requests)
  const dir = mkdtempSync(join(tmpdir(), 'corral-callgrind-'))
  writeFileSync(join(dir, 'preload.mjs'), PRELOAD)
  const wrap = join(dir, 'node-under-callgrind')
  writeFileSync(wrap, `#!/bin/sh\nexec valgrind --tool=callgrind --instr-atstart=no --smc-check=all-non-file --separate-threads=yes ` +
    `--callgrind-out-file=${dir}/callgrind.out.%p ${node}${a.names ? ' --perf-basic-prof' : ''}${a['node-flags'] ? ` ${a['node-flags']}` : ''} "$@"\n`)
  chmodSync(wrap, 0o755)
  const port = await freePort()
  const anchor = a.server === 'node-cluster'
  const build = anchor || a.server === 'corral' ? root : resolve(a.server!)
  const args = anchor
    ? [join(root, 'bench/anchors/node/cluster.cjs')]
    : [join(build, 'dist/cli/main.js'), 'serve', a.app ?? `bench/scenarios/${scenario}.ts`, '--workers', '1', '--bind', `127.0.0.1:${port}`, '--admin-bind', 'off',
        '--control-socket', 'off', '--access-log', 'off', '--boot-timeout', '600', '--worker-timeout', '600', ...positionals]
  const log = openSync(join(dir, 'server.log'), 'w')
  const server = spawn(node, args, {
    stdio: ['ignore', log, log],
    env: { ...process.env, NODE_OPTIONS: `--import ${join(dir, 'preload.mjs')}`, CALLGRIND_WRAP: wrap, PORT: String(port), BENCH_WORKERS: '1', BENCH_SCENARIO: scenario,
      ...(upstreamPort !== undefined && { BENCH_UPSTREAM: `http://127.0.0.1:${upstreamPort}`, BENCH_DELAY_MS: a['delay-ms']! }) },
  })
  try {
    const until = Date.now() + 300_000
    while (!(await probe(`http://127.0.0.1:${port}/`, 5000))) {
      if (Date.now() > until || server.exitCode !== null) throw new Error(`the server did not answer under callgrind within 300 s (its log: ${dir}/server.log)`)
      await sleep(500)
    }
    const workers = childPids(server.pid!)
    ab(port, Number(a.warmup), Number(a.connections), a.close)
    for (const pid of workers) {
      execFileSync('callgrind_control', ['-z', String(pid)], { stdio: 'ignore' })
      execFileSync('callgrind_control', ['-i', 'on', String(pid)], { stdio: 'ignore' })
    }
    const report = ab(port, requests, Number(a.connections), a.close)
    for (const pid of workers) {
      execFileSync('callgrind_control', ['-i', 'off', String(pid)], { stdio: 'ignore' })
      execFileSync('callgrind_control', ['-d', String(pid)], { stdio: 'ignore' })
    }
    const failed = /Failed requests:\s+(\d+)/.exec(report)?.[1] ?? '?'
    const non2xx = /Non-2xx responses:\s+(\d+)/.exec(report)?.[1] ?? '0'
    const figures: number[] = []
    for (const pid of workers) {
      const files = readdirSync(dir).filter((f) => f.startsWith(`callgrind.out.${pid}.1-`)).sort()
      const total = files.reduce((sum, f) => sum + Number(/^totals: (\d+)/m.exec(readFileSync(join(dir, f), 'utf8'))?.[1] ?? 0), 0)
      const { split: s, jit } = split(join(dir, files[0]), requests, a.names ? `/tmp/perf-${pid}.map` : undefined)
      console.log(`${anchor ? 'node:cluster' : `corral (${build})`} ${scenario} ${positionals.join(' ')} · Node ${execFileSync(node, ['--version']).toString().trim()} · ` +
        `${requests} requests, ${a.connections} connections${a.close ? ', a new one per request' : ''} (failed ${failed}, non-2xx ${non2xx})`)
      console.log(`instructions per request: all threads ${Math.round(total / requests)}; main thread ${s.main} = JIT ${s.jit} + GC ${s.gc} + ` +
        `loop-delay histogram ${s.hdr} + rest ${s.rest}; main without GC and histogram ${s.main - s.gc - s.hdr}`)
      if (s.slowLiterals > SLOW_LITERALS_NOTE) {
        console.log(`note: ${s.slowLiterals} instructions a request in V8's slow path for object literals (map migrations): a JIT state of this run; compare medians of several runs (--runs)`)
      }
      for (const [name, ir] of jit.slice(0, Number(a.top))) console.log(`${String(ir).padStart(7)}  ${name}`)
      figures.push(s.main - s.gc - s.hdr)
    }
    console.log(`callgrind files and the server's log: ${dir}`)
    return figures
  } finally {
    server.kill('SIGTERM')
    await sleep(3000)
    for (const pid of [server.pid!, ...childPids(server.pid!)]) { try { process.kill(pid, 'SIGKILL') } catch { /* gone */ } }
  }
}

await main()
