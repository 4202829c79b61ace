/**
 * The dashboard's data source (src/admin/monitor.ts) driven by a hand-turned clock: its pace
 * (what it asks the workers, and when) and its arithmetic (rates and percentiles across workers
 * that come and go). The source stands in for the arbiter's IPC, the one boundary a unit test
 * cannot arrange; the real thing is covered end to end by dashboard.test.ts.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { Monitor, type Clock, type Source } from '../../src/admin/monitor.js'
import { quantile } from '../../src/admin/quantile.js'

class HandClock implements Clock {
  t = 1_700_000_000_000
  #timers = new Set<{ at: number; fn: () => void }>()
  now() { return this.t }
  setTimeout(fn: () => void, ms: number) { const timer = { at: this.t + ms, fn }; this.#timers.add(timer); return timer }
  clearTimeout(timer: unknown) { this.#timers.delete(timer as { at: number; fn: () => void }) }
  /** Move time on, firing each timer that falls due and letting its (async) sample finish. */
  async advance(ms: number) {
    const end = this.t + ms
    for (;;) {
      const next = [...this.#timers].sort((a, b) => a.at - b.at)[0]
      if (!next || next.at > end) break
      this.#timers.delete(next)
      this.t = next.at
      next.fn()
      await new Promise((r) => setImmediate(r))
    }
    this.t = end
  }
}

const BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1]

/** A worker as the fake source shows it: its served count, and its registry in prom-client's JSON. */
interface FakeWorker { id: number; served: number; byStatus: Record<string, number>; seconds: number[] }

function registryOf(w: FakeWorker): unknown[] {
  const buckets = BUCKETS.map((le) => ({ metricName: 'corral_http_request_duration_seconds_bucket', labels: { le, route: '/' }, value: w.seconds.filter((s) => s <= le).length }))
  return [
    { name: 'corral_http_requests_total', type: 'counter', values: Object.entries(w.byStatus).map(([status, value]) => ({ value, labels: { method: 'GET', status, route: '/' } })) },
    { name: 'corral_http_request_duration_seconds', type: 'histogram', values: [...buckets, { metricName: 'corral_http_request_duration_seconds_bucket', labels: { le: '+Inf', route: '/' }, value: w.seconds.length }] },
    { name: 'corral_upstream_breaker_state', type: 'gauge', values: [{ value: w.id === 1 ? 2 : 0, labels: { upstream: 'users' } }] },
  ]
}

function fakeSource(workers: FakeWorker[]) {
  const events = new EventEmitter()
  const asked: number[] = []
  const source: Source = {
    status: () => ({ pid: 1, state: 'running', generation: 1, target: workers.length, workers: workers.map((w) => ({ id: w.id, pid: 1000 + w.id, state: 'ready', served: w.served })) }),
    collect: async () => { asked.push(workers.length); return workers.map((w) => ({ id: w.id, metrics: registryOf(w) })) },
    events,
  }
  return { source, asked, events }
}

const serve = (w: FakeWorker, n: number, seconds: number, status = '200') => {
  w.served += n
  w.byStatus[status] = (w.byStatus[status] ?? 0) + n
  for (let i = 0; i < n; i++) w.seconds.push(seconds)
}

describe('the dashboard monitor', () => {
  it('asks no worker for its metrics while nobody watches, and keeps a point from the heartbeats every 5 s', async () => {
    const clock = new HandClock()
    const { source, asked } = fakeSource([{ id: 1, served: 0, byStatus: {}, seconds: [] }])
    const m = new Monitor(source, { metrics: true, actions: false, clock })
    await clock.advance(60_000)
    assert.deepEqual(asked, [], 'no collect-metrics round trip while unwatched')
    const { points } = await m.state()
    assert.equal(points.filter((p) => !p.full).length, 13, '12 idle points and the one taken when the look began')
    m.close()
  })

  it('collects every second while watched, and slows down again 5 s after the last look', async () => {
    const clock = new HandClock()
    const { source, asked } = fakeSource([{ id: 1, served: 0, byStatus: {}, seconds: [] }])
    const m = new Monitor(source, { metrics: true, actions: false, clock })
    await m.state()
    assert.equal(asked.length, 1, 'the first look waits for a sample with the metrics')
    for (let i = 0; i < 10; i++) { await clock.advance(1000); await m.state() }
    assert.equal(asked.length, 11, 'one collection a second while someone looks')
    await clock.advance(6000)
    const afterLinger = asked.length
    assert.ok(afterLinger <= 17, `collections stop within the linger: ${afterLinger}`)
    await clock.advance(60_000)
    assert.equal(asked.length, afterLinger, 'none once nobody looks')
    assert.equal(m.watched, false)
    m.close()
  })

  it('takes no metrics while watched when metrics are off, but still refreshes every second', async () => {
    const clock = new HandClock()
    const w = { id: 1, served: 0, byStatus: {}, seconds: [] }
    const { source, asked } = fakeSource([w])
    const m = new Monitor(source, { metrics: false, actions: false, clock })
    await m.state()
    for (let i = 0; i < 3; i++) { w.served += 50; await clock.advance(1000); await m.state() }
    const { snapshot, points } = await m.state()
    assert.deepEqual(asked, [])
    assert.equal(snapshot.requests.latencyMs, null)
    assert.equal(points.at(-1)!.rps, 50, 'requests per second from the heartbeats\' served counts')
    m.close()
  })

  it('computes request rates, status codes and percentiles from what grew, across a worker that is replaced', async () => {
    const clock = new HandClock()
    const one: FakeWorker = { id: 1, served: 0, byStatus: {}, seconds: [] }
    const workers = [one]
    const { source } = fakeSource(workers)
    const m = new Monitor(source, { metrics: true, actions: false, clock })
    serve(one, 500, 0.002) // before anyone looked: counted in the totals, not in any rate
    await m.state()
    for (let i = 0; i < 5; i++) {
      serve(one, 90, 0.003)
      serve(one, 10, 0.08, '500')
      await clock.advance(1000)
      await m.state()
    }
    let { snapshot, points } = await m.state()
    assert.equal(points.at(-1)!.rps, 100)
    assert.deepEqual(points.at(-1)!.codes, [90, 0, 0, 10])
    assert.equal(snapshot.requests.perSecond, 100)
    assert.deepEqual(snapshot.requests.byStatus, [{ code: '200', total: 950, perSecond: 90 }, { code: '500', total: 50, perSecond: 10 }])
    // 90% of requests took 3 ms (the 1–5 ms bucket), 10% took 80 ms (the 50–100 ms bucket).
    assert.ok(snapshot.requests.latencyMs!.p50 > 1 && snapshot.requests.latencyMs!.p50 <= 5, `p50 ${snapshot.requests.latencyMs!.p50}`)
    assert.ok(snapshot.requests.latencyMs!.p95 > 50 && snapshot.requests.latencyMs!.p95 <= 100, `p95 ${snapshot.requests.latencyMs!.p95}`)
    assert.deepEqual(snapshot.upstreams.map((u) => [u.name, u.breaker]), [['users', { closed: 0, halfOpen: 0, open: 1 }]])

    // Worker 1 is replaced by worker 2: its counters vanish, the server's totals and rates do not drop.
    const two: FakeWorker = { id: 2, served: 0, byStatus: {}, seconds: [] }
    workers.splice(0, 1, two)
    serve(two, 100, 0.003)
    await clock.advance(1000)
    ;({ snapshot, points } = await m.state())
    assert.equal(points.at(-1)!.rps, 100, 'the new worker\'s first requests count, the old one\'s do not go negative')
    assert.equal(snapshot.requests.byStatus.find((c) => c.code === '200')!.total, 1050)
    assert.equal(snapshot.requests.total, 1100, 'served since the start, both workers')
    m.close()
  })

  it('shows the overload control\'s numbers when workers report them: per worker, summed, durations as the worst worker\'s', async () => {
    const clock = new HandClock()
    const events = new EventEmitter()
    const overload = (id: number, limit: number, delay: number, shed: number) => ({ id, metrics: [
      { name: 'corral_overload_limit', type: 'gauge', values: [{ value: limit, labels: { worker: id } }] },
      { name: 'corral_overload_loop_delay_seconds', type: 'gauge', values: [{ value: delay, labels: { worker: id } }] },
      { name: 'corral_overload_shed_total', type: 'counter', values: [{ value: shed, labels: { worker: id, reason: 'queue_full' } }] },
    ] })
    let shed = 0
    const source: Source = {
      status: () => ({ pid: 1, state: 'running', generation: 1, target: 2, workers: [1, 2].map((id) => ({ id, pid: 100 + id, state: 'ready', served: 0,
        overload: { limit: 8 * id, running: 1, waiting: id - 1, held: 0, shed: { queue_full: shed, queue_timeout: 1 } } })) }),
      collect: async () => [overload(1, 8, 0.004, shed), overload(2, 16, 0.030, shed)],
      events,
    }
    const m = new Monitor(source, { metrics: true, actions: false, clock })
    await m.state()
    shed = 10
    await clock.advance(1000)
    const { snapshot, points } = await m.state()
    assert.deepEqual(snapshot.workers.map((w) => w.overload), [
      { limit: 8, running: 1, waiting: 0, held: 0, shed: 11 }, { limit: 16, running: 1, waiting: 1, held: 0, shed: 11 }])
    const row = (name: string) => snapshot.overload.find((o) => o.name === name)!
    assert.equal(row('corral_overload_limit').total, 24, 'limits add up')
    assert.deepEqual(row('corral_overload_limit').perWorker, { 1: 8, 2: 16 })
    assert.equal(row('corral_overload_loop_delay_seconds').total, 0.03, 'a delay is the worst worker\'s')
    assert.equal(row('corral_overload_shed_total').perSecond, 20, 'ten shed in each worker over the second')
    assert.deepEqual(points.at(-1)!.overload, { corral_overload_limit: 24 })
    m.close()
  })

  it('counts restarts by reason from the arbiter\'s exits, but not stops or scale-downs', async () => {
    const clock = new HandClock()
    const { source, events } = fakeSource([{ id: 1, served: 0, byStatus: {}, seconds: [] }])
    const m = new Monitor(source, { metrics: true, actions: false, clock })
    const worker = (id: number, signalCode: string | null, exitCode: number | null) => ({ id, pid: 1000 + id, generation: 1, process: { process: { signalCode, exitCode } } })
    events.emit('exit', worker(1, 'SIGKILL', null), 'crash')
    events.emit('exit', worker(2, null, 0), 'max_requests')
    events.emit('exit', worker(3, null, 0), 'scale')
    events.emit('exit', worker(4, null, 0), 'stop')
    const { snapshot } = await m.state()
    assert.equal(snapshot.restarts.crash, 1)
    assert.equal(snapshot.restarts.max_requests, 1)
    assert.equal(Object.values(snapshot.restarts).reduce((n, x) => n + x, 0), 2)
    assert.match(snapshot.events[0].text, /worker 1 \(pid 1001\) exited: crash \(SIGKILL\)/)
    m.close()
  })
})

describe('percentiles from histogram buckets', () => {
  it('interpolates inside the bucket the rank falls in, as histogram_quantile does', () => {
    const b = [{ le: 0.01, count: 50 }, { le: 0.1, count: 90 }, { le: 1, count: 100 }, { le: Infinity, count: 100 }]
    assert.equal(quantile(0.5, b), 0.01)
    assert.ok(Math.abs(quantile(0.7, b)! - 0.055) < 1e-9)
    assert.ok(Math.abs(quantile(0.95, b)! - 0.55) < 1e-9)
    assert.equal(quantile(0.5, [{ le: 1, count: 0 }, { le: Infinity, count: 0 }]), null, 'no requests, no latency')
    assert.equal(quantile(0.99, [{ le: 1, count: 1 }, { le: Infinity, count: 10 }]), 1, 'a rank past the last bound answers that bound')
  })
})
