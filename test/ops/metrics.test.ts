import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fixture, startCorral } from '../support/corral.js'

/** A small Prometheus text-format reader: every sample as { name, labels, value }; throws on a malformed line. */
function parse(text: string) {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line)
    if (!m) throw new Error(`not Prometheus text: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2]
    samples.push({ name: m[1], labels, value: Number(m[3]) })
  }
  return samples
}

describe('/metrics on the admin port', () => {
  it('serves Prometheus text aggregated across workers whose request counters match the requests sent', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '2'] })
    for (let i = 0; i < 30; i++) await (await fetch(server.url + '/', { headers: { connection: 'close' } })).text()
    // Interleaved, so each worker's count switches series often.
    for (let i = 0; i < 7; i++) {
      await (await fetch(server.url + `/slow?ms=1`)).text()
      if (i < 3) await (await fetch(server.url + '/throw')).text()
    }
    const samples = parse(await (await fetch(server.admin + '/metrics')).text())
    const count = (route: string, status: string) => samples.find((s) => s.name === 'corral_http_requests_total' && s.labels.route === route && s.labels.status === status)?.value
    assert.equal(count('/', '200'), 30)
    assert.equal(count('/slow', '200'), 7)
    assert.equal(count('/throw', '500'), 3)
    const histogramCount = samples.find((s) => s.name === 'corral_http_request_duration_seconds_count' && s.labels.route === '/')?.value
    assert.equal(histogramCount, 30)
    const lag = samples.filter((s) => s.name === 'corral_worker_event_loop_lag_seconds')
    assert.equal(lag.length, 2, 'one event-loop lag series per worker')
    assert.ok(samples.some((s) => s.name === 'corral_worker_event_loop_utilization'))
    assert.ok(samples.some((s) => s.name === 'corral_http_requests_in_flight'))
    assert.equal(samples.find((s) => s.name === 'corral_reload_generation')?.value, 1)
    for (const reason of ['crash', 'timeout', 'max_requests', 'memory', 'reload']) {
      assert.equal(samples.find((s) => s.name === 'corral_worker_restarts_total' && s.labels.reason === reason)?.value, 0)
    }
    await server.stop()
  })

  // Issue 13, part 7: the lag read the sampler's own interval (50 ms on an idle worker), so a
  // threshold of 20 ms passed whether the loop was blocked or not.
  it('reports an event-loop lag near zero for an idle worker, and the lag of a loop blocked for 800 ms', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1'] })
    const metrics = async () => parse(await (await fetch(server.admin + '/metrics')).text())
    const lagOf = (samples: ReturnType<typeof parse>) => samples.find((s) => s.name === 'corral_worker_event_loop_lag_seconds')?.value
    type WorkerView = { ageMs: number; heartbeatAgeMs: number; loopLagMs: number }
    const status = async () => ((await (await fetch(server.admin + '/status')).json()) as { workers: WorkerView[] }).workers[0]
    // Idle: a beat sent two intervals (2 s at the default --worker-timeout) after the worker started,
    // with no request served, covers a whole interval of an idle loop.
    let idle: WorkerView | undefined
    for (const until = Date.now() + 15_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
      const w = await status()
      if (w.ageMs - w.heartbeatAgeMs >= 2000) { idle = w; break }
    }
    assert.ok(idle, 'the worker beats')
    // Under 25 ms leaves room for a busy machine's scheduling delay; the old reading never went under 50.
    assert.ok(idle.loopLagMs < 25, `an idle worker reports a lag near 0; saw ${idle.loopLagMs} ms`)
    const idleMetric = lagOf(await metrics())
    assert.ok(idleMetric !== undefined && idleMetric < 0.025, `the metric agrees; saw ${idleMetric}`)

    await (await fetch(server.url + '/spin?ms=800')).text()
    // The beat after the block carries it, for one beat interval. /status is polled rather than
    // /metrics: a scrape asks each worker for its metrics and, on a busy machine, may take longer
    // than the beat that carries the value.
    let seen = 0
    for (const until = Date.now() + 5000; Date.now() < until && seen < 20; await new Promise((r) => setTimeout(r, 50))) seen = (await status()).loopLagMs
    assert.ok(seen >= 20, `a loop blocked for 800 ms shows a mean lag of at least 20 ms over its beat; saw ${seen} ms`)
    await server.stop()
  })

  it('names routes with ids as :id so the series stay few', async (t) => {
    const server = await startCorral(t, fixture('hono-app.ts'), { args: ['--workers', '1'] })
    for (const id of [1, 2, 3, 'f47ac10b-58cc-4372-a567-0e02b2c3d479']) await (await fetch(server.url + `/users/${id}`)).text()
    const samples = parse(await (await fetch(server.admin + '/metrics')).text())
    const users = samples.filter((s) => s.name === 'corral_http_requests_total' && s.labels.route?.startsWith('/users'))
    assert.deepEqual(users.map((s) => [s.labels.route, s.value]), [['/users/:id', 4]])
    await server.stop()
  })
})
