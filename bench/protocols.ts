/**
 * HTTP/2 against HTTP/1.1 under corral, side by side: `npm run bench:protocols [-- flags]`.
 *
 *   --scenarios hello,fanout   scenarios from bench/scenarios (fanout starts the upstream simulator)
 *   --repeats 5                rounds; each loads every server in turn, the order turning by one place every round (in-turn.ts)
 *   --workers 2 --duration 5   corral workers per server; seconds per run
 *   --baseline <checkout>      also serve HTTP/1.1 with the corral built in another checkout (its dist/),
 *                              for a before/after of the plain path
 *   --variants h1,h2c,…        only these (h1-baseline h1 h2c h1-tls h2-tls node-cluster node-h2c)
 *
 * Every variant is corral serving the same app on its own port, all started at once: HTTP/1.1
 * (cleartext and TLS), HTTP/2 by prior knowledge (h2c) and HTTP/2 over TLS by ALPN; for hello,
 * plain node:cluster too (the machine's yardstick), and node:cluster serving the same handler over
 * node:http2 (what HTTP/2 costs in Node itself). One load generator, h2load, for every protocol.
 * Each scenario has one level of requests in flight: HTTP/1.1 holds them on as many connections;
 * HTTP/2 is loaded both that way and with ten streams on a tenth of the connections, which is what
 * multiplexing is for. Ratios are taken within a round against corral's HTTP/1.1; server CPU per
 * request comes from /proc for the server's whole process group.
 */
import { execFileSync, spawn } from 'node:child_process'
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { inTurn } from './in-turn.js'
import { describeMachine } from './machine.js'
import { groupCpuSeconds, busyFraction, machineTicks } from './process-cpu.js'
import { freePort, stopServer, type RunningServer } from './server-process.js'
import { h2loadVersion, runH2load, type H2LoadResult } from './load/h2load.js'
import { startUpstream } from './upstream/upstream.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

interface Variant { name: string; label: string; tls: boolean; h1: boolean; args: string[]; root?: string; anchor?: Record<string, string>; scenarios?: string[] }
interface Shape { clients: number; streams: number }
interface Run { scenario: string; inFlight: number; shape: Shape; variant: string; round: number; result: H2LoadResult; cpuUsPerRequest: number; machineBusy?: number }

const { values: flags } = parseArgs({
  options: {
    scenarios: { type: 'string', default: 'hello,fanout' },
    repeats: { type: 'string', default: '5' },
    workers: { type: 'string', default: '2' },
    duration: { type: 'string', default: '5' },
    baseline: { type: 'string' },
    variants: { type: 'string' },
  },
})
const repeats = Number(flags.repeats)
const workers = Number(flags.workers)
const durationS = Number(flags.duration)
const scenarioNames = flags.scenarios!.split(',')
const inFlightOf: Record<string, number> = { hello: 50, fanout: 100 }

function selfSigned(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' })
  return { cert, key }
}

const live: RunningServer[] = []
const killAll = () => { for (const s of live) { try { process.kill(-s.pid, 'SIGKILL') } catch { /* gone */ } } }
process.on('exit', killAll)
process.on('SIGINT', () => { killAll(); process.exit(130) })

async function start(v: Variant, scenario: string, port: number, env: Record<string, string>, logDir: string): Promise<RunningServer> {
  const log = join(logDir, `${scenario}-${v.name}.log`)
  const out = createWriteStream(log)
  await new Promise((r) => out.once('open', r))
  const checkout = v.root ?? root
  const [command, args] = v.anchor
    ? [process.execPath, [join(root, 'bench/anchors/node/cluster.cjs')]]
    : [process.execPath, [join(checkout, 'dist/cli/main.js'), 'serve', join(root, `bench/scenarios/${scenario}.ts`), '--workers', String(workers),
        '--bind', `127.0.0.1:${port}`, '--admin-bind', 'off', '--control-socket', 'off', '--access-log', 'off', ...v.args]]
  const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out], env: { ...process.env, ...env, ...v.anchor, PORT: String(port), BENCH_WORKERS: String(workers), BENCH_SCENARIO: scenario } })
  const exited = new Promise<number | null>((r) => child.once('exit', r))
  const server: RunningServer = { pid: child.pid!, port, url: `${v.tls ? 'https' : 'http'}://127.0.0.1:${port}/`, log, child, exited }
  live.push(server)
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(200)) {
    const ready = v.anchor
      ? await new Promise<boolean>((r) => { const s = connect(port, '127.0.0.1', () => { s.end(); r(true) }); s.once('error', () => r(false)) })
      : readFileSync(log, 'utf8').includes('Listening at:')
    if (ready) return server
    if (child.exitCode !== null) break
  }
  throw new Error(`${v.name} did not start: ${readFileSync(log, 'utf8').slice(-600)}`)
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2 }
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits).replace(/\B(?=(\d{3})+(?!\d))/g, ' ') : '–')
const shapeText = (s: Shape) => `${s.clients} conn × ${s.streams}`

async function main(): Promise<void> {
  const h2load = h2loadVersion()
  if (!h2load) throw new Error('h2load is not installed (Debian: apt-get install nghttp2-client)')
  const startedAt = new Date()
  const scratch = mkdtempSync(join(tmpdir(), 'corral-bench-protocols-'))
  const outDir = join(root, 'bench/results', `${startedAt.toISOString().replace(/\.\d+Z$/, '').replace(/:/g, '-')}-protocols`)
  mkdirSync(outDir, { recursive: true })
  const { cert, key } = selfSigned(scratch)
  const tls = ['--certfile', cert, '--keyfile', key]
  const all: Variant[] = [
    ...(flags.baseline ? [{ name: 'h1-baseline', label: `HTTP/1.1, corral of ${flags.baseline}`, tls: false, h1: true, args: [], root: resolve(flags.baseline) }] : []),
    { name: 'h1', label: 'HTTP/1.1', tls: false, h1: true, args: [] },
    { name: 'h2c', label: 'HTTP/2, h2c (prior knowledge)', tls: false, h1: false, args: ['--h2c'] },
    { name: 'h1-tls', label: 'HTTP/1.1 over TLS', tls: true, h1: true, args: tls },
    { name: 'h2-tls', label: 'HTTP/2 over TLS (ALPN)', tls: true, h1: false, args: [...tls, '--http2'] },
    { name: 'node-cluster', label: 'plain node:cluster, HTTP/1.1 (yardstick)', tls: false, h1: true, args: [], anchor: {}, scenarios: ['hello'] },
    { name: 'node-h2c', label: 'plain node:cluster + node:http2, h2c', tls: false, h1: false, args: [], anchor: { BENCH_H2C: '1' }, scenarios: ['hello'] },
  ]
  const variants = all.filter((v) => flags.variants === undefined || flags.variants.split(',').includes(v.name))
  const machine = describeMachine(root, h2load)
  const idle0 = machineTicks()
  await sleep(500)
  const busyBefore = busyFraction(idle0, machineTicks())
  const runs: Run[] = []
  const log = (line: string) => process.stderr.write(`${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(4)}s ${line}\n`)
  for (const scenario of scenarioNames) {
    const inFlight = inFlightOf[scenario] ?? 50
    let upstream: RunningServer | undefined
    const env: Record<string, string> = {}
    if (scenario === 'fanout') {
      upstream = await startUpstream(await freePort(19400), 2)
      live.push(upstream)
      Object.assign(env, { BENCH_UPSTREAM: `http://127.0.0.1:${upstream.port}`, BENCH_DELAY_MS: '300', BENCH_UPSTREAM_CONNECTIONS: String(inFlight * 3 * 2) })
    }
    const mine = variants.filter((v) => !v.scenarios || v.scenarios.includes(scenario))
    const servers = new Map<string, RunningServer>()
    let port = 19500
    for (const v of mine) servers.set(v.name, await start(v, scenario, (port = await freePort(port + 1)), env, outDir))
    const plan = mine.flatMap((v) => [{ clients: inFlight, streams: 1 }, ...(v.h1 ? [] : [{ clients: inFlight / 10, streams: 10 }])].map((shape) => ({ v, shape })))
    log(`${scenario}: ${plan.length} runs a round × ${repeats} rounds, ${durationS} s each`)
    for (const { v } of plan) await runH2load({ url: servers.get(v.name)!.url, clients: 10, streams: 1, durationS: 1, h1: v.h1 }) // warm each server
    for (let round = 1; round <= repeats; round++) {
      for (const { v, shape } of inTurn(plan, round)) {
        const server = servers.get(v.name)!
        const cpu0 = groupCpuSeconds(server.pid)
        const ticks0 = machineTicks()
        const result = await runH2load({ url: server.url, ...shape, durationS, h1: v.h1 })
        const cpu1 = groupCpuSeconds(server.pid)
        const cpuUsPerRequest = cpu0 !== undefined && cpu1 !== undefined && result.requests > 0 ? ((cpu1 - cpu0) * 1e6) / result.requests : NaN
        runs.push({ scenario, inFlight, shape, variant: v.name, round, result, cpuUsPerRequest, machineBusy: busyFraction(ticks0, machineTicks()) })
        log(`${scenario} round ${round} ${v.name} ${shapeText(shape)}: ` + (result.failed ? `FAILED, ${result.failed}` : `${fmt(result.rps)} rps, ${fmt(cpuUsPerRequest, 1)} µs CPU/request, ${result.errors} errors`))
        await sleep(300)
      }
    }
    for (const s of servers.values()) await stopServer(s)
    if (upstream) await stopServer(upstream)
  }

  const lines = [
    `# HTTP/2 against HTTP/1.1 under corral (${startedAt.toISOString()})`,
    '',
    `\`npm run bench:protocols -- --scenarios ${scenarioNames.join(',')} --repeats ${repeats} --workers ${workers} --duration ${durationS}${flags.baseline ? ` --baseline ${flags.baseline}` : ''}\``,
    '',
    `Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, ${h2load}, ${workers} workers per server.` +
      (busyBefore !== undefined ? ` Busy with other work before the run: ${(busyBefore * 100).toFixed(0)}% of the machine.` : ''),
    '',
    'Medians over the rounds, (min–max); "vs h1" is the median of each round\'s ratio to corral\'s HTTP/1.1 at the same requests in flight.',
    'CPU is the server\'s (all its processes) per request, from /proc.',
    '',
  ]
  for (const scenario of scenarioNames) {
    // A failed run (h2load gave no figures) is left out of the medians and its round's ratios, and listed.
    const failed = runs.filter((r) => r.scenario === scenario && r.result.failed)
    const mine = runs.filter((r) => r.scenario === scenario && !r.result.failed)
    if (mine.length === 0) continue
    lines.push(`## ${scenario} (${mine[0].inFlight} requests in flight)`, '', '| server | load | rps | vs h1 | CPU µs/request | mean latency | errors |', '|---|---|---:|---:|---:|---:|---:|')
    const keys = [...new Set(mine.map((r) => `${r.variant}|${r.shape.clients}|${r.shape.streams}`))]
    for (const key of keys) {
      const [variant, clients, streams] = key.split('|')
      const these = mine.filter((r) => `${r.variant}|${r.shape.clients}|${r.shape.streams}` === key)
      const rps = these.map((r) => r.result.rps)
      const ratios = these.map((r) => {
        const h1 = mine.find((b) => b.variant === 'h1' && b.round === r.round)
        return h1 ? r.result.rps / h1.result.rps : NaN
      })
      const label = variants.find((v) => v.name === variant)!.label
      lines.push(`| ${label} | ${clients} conn × ${streams} | ${fmt(median(rps))} (${fmt(Math.min(...rps))}–${fmt(Math.max(...rps))}) | ${median(ratios.filter(Number.isFinite)).toFixed(3)}x | ${fmt(median(these.map((r) => r.cpuUsPerRequest)), 1)} | ${fmt(median(these.map((r) => r.result.meanMs)), 2)} ms | ${these.reduce((n, r) => n + r.result.errors, 0)} |`)
    }
    lines.push('')
    if (failed.length > 0) {
      lines.push(`Failed runs, not counted (${failed.length}):`, '')
      for (const r of failed) lines.push(`- round ${r.round}, ${r.variant}, ${shapeText(r.shape)}: ${r.result.failed}`)
      lines.push('')
    }
  }
  const report = lines.join('\n')
  writeFileSync(join(outDir, 'report.md'), report)
  writeFileSync(join(outDir, 'results.json'), JSON.stringify({ machine, busyBefore, flags, runs }, null, 1))
  process.stdout.write(`${report}\nwritten to ${outDir}\n`)
}

main().catch((err) => { killAll(); process.stderr.write(`${err?.stack ?? err}\n`); process.exit(1) })
