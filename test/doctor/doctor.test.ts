/**
 * `corral doctor` on the bench's scenarios, each a real app served by a real corral that the
 * doctor boots and loads: the fan-out (three upstream calls that wait) is I/O-bound and gets the
 * async class; the PBKDF2 handler is CPU-bound and gets threads; hello is light and gets async.
 * The verdicts rest on measured CPU against wall time, so what the test checks is what the
 * measurements mean, with margins a busy machine does not cross (the fan-out waits 100× what it
 * computes, the PBKDF2 computes for most of its time).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { runCli } from '../support/corral.js'
import { startUpstream, type TestUpstream } from '../io/upstream-server.js'

const scenario = (name: string) => fileURLToPath(new URL(`../../bench/scenarios/${name}.ts`, import.meta.url))

interface Report {
  answer: string
  routes: { path: string; kind: string; cpuMs: number; wallMs: number; cpuShare: number; why: string }[]
  recommendations: { setting: string; value: string; why: string }[]
  measures: { path: string; loaded: { requests: number; errors: number } }[]
}

async function doctor(args: string[], env: Record<string, string> = {}): Promise<Report> {
  const r = await runCli(['doctor', ...args, '--json'], { env, timeoutMs: 120_000 })
  assert.equal(r.code, 0, `corral doctor failed:\n${r.stderr}\n${r.stdout}`)
  return JSON.parse(r.stdout) as Report
}
const setting = (r: Report, name: string) => r.recommendations.find((x) => x.setting === name)

describe('corral doctor', () => {
  let upstream: TestUpstream
  before(async () => {
    // The fan-out's upstream: every call answers after ?ms= milliseconds, as the bench's simulator does.
    upstream = await startUpstream((req, res) => {
      const ms = Number(new URL(req.url!, 'http://x').searchParams.get('ms') ?? 0)
      setTimeout(() => { res.setHeader('content-type', 'application/json'); res.end('{"ok":true}') }, ms)
    })
  })
  after(() => upstream.close())

  it('calls the fan-out I/O-bound and recommends the async class, with worker connections from its wait', async () => {
    const r = await doctor([scenario('fanout'), '/', '--duration', '1.5s', '--concurrency', '32'],
      { BENCH_UPSTREAM: upstream.origin, BENCH_DELAY_MS: '200', BENCH_UPSTREAM_CONNECTIONS: '128' })
    assert.equal(r.routes[0]!.kind, 'io-bound', r.routes[0]!.why)
    assert.ok(r.routes[0]!.wallMs >= 100, 'alone, a request waits on the upstream\'s 200 ms delay')
    assert.match(r.answer, /^I\/O-bound/)
    assert.equal(setting(r, 'workerClass')?.value, 'async')
    const wc = Number(setting(r, 'workerConnections')?.value)
    assert.ok(wc >= 50, `worker connections ${wc}`)
    assert.match(setting(r, 'workerConnections')!.why, /Little's law/)
    assert.equal(r.measures[0]!.loaded.errors, 0, JSON.stringify(r.measures[0]!.loaded))
  })

  it('calls a PBKDF2 handler CPU-bound and recommends threads, one process per CPU', async () => {
    const r = await doctor([scenario('cpu'), '/', '--duration', '2s', '--concurrency', '4'], { BENCH_CPU_ITERATIONS: '100000' })
    assert.equal(r.routes[0]!.kind, 'cpu-bound', r.routes[0]!.why)
    assert.ok(r.routes[0]!.cpuShare >= 0.5)
    assert.match(r.answer, /^CPU-bound/)
    assert.equal(setting(r, 'workerClass')?.value, 'threads')
    assert.match(setting(r, 'workerClass')!.why, /offload\(\)/)
    assert.ok(Number(setting(r, 'workers')?.value) >= 1)
  })

  it('calls hello light and recommends the async class; names a route that fails and a bad option', async () => {
    const r = await doctor([scenario('hello'), '/', '--duration', '1s'])
    assert.notEqual(r.routes[0]!.kind, 'cpu-bound', r.routes[0]!.why)
    assert.equal(setting(r, 'workerClass')?.value, 'async')
    assert.ok(setting(r, 'requestTimeout'), 'a request timeout is recommended')

    const bad = await runCli(['doctor', scenario('hello'), '/', '--duration', '2 days'])
    assert.notEqual(bad.code, 0)
    assert.match(bad.stderr, /--duration must be between 0.5s and 60s, received "2 days"/)
    const setting404 = await runCli(['doctor', scenario('hello'), 'nothing'])
    assert.match(setting404.stderr, /a route is a path starting with \/, received "nothing"/)
  })
})
