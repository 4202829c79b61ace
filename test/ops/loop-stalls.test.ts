/**
 * Loop stalls attributed to routes (issue 17): a worker whose event loop is held past
 * --stall-threshold counts the stall against the route that held it, logs it with the stack of
 * the blocking code, and shows it in /status. The threshold is 150 ms here, not the default 50, so
 * a busy test machine that deschedules a worker for a moment does not add stalls of its own.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fixture, runCli, startCorral, type Running } from '../support/corral.js'
import { scrape, total, until, type Sample } from '../support/metrics.js'

const stallSeries = (s: Sample[]) => s.filter((x) => x.name === 'corral_event_loop_stalls_total')
const status = async (server: Running) => (await (await fetch(server.admin + '/status')).json()) as {
  workers: { stalls: number; lastStall?: { ms: number; role: string; routes: string[]; agoMs: number } }[]
}

describe('event-loop stalls', () => {
  let server: Running
  before(async () => {
    server = await startCorral(undefined, fixture('stall-app.ts'), { args: ['--workers', '1', '--stall-threshold', '150ms'] })
  })
  after(() => server.stop())

  it('counts a 300 ms synchronous block under the route that ran it, and under no other route in flight or served', async () => {
    for (let i = 0; i < 5; i++) await (await fetch(server.url + '/')).text()
    const waiting = fetch(server.url + '/wait?ms=1500').then((r) => r.text())
    await until(server.admin, '/wait in flight', (s) => total(s, 'corral_http_requests_in_flight') === 1)
    assert.equal(await (await fetch(server.url + '/block?ms=300')).text(), 'blocked 300')
    await waiting
    for (let i = 0; i < 5; i++) await (await fetch(server.url + '/')).text()

    const s = await until(server.admin, 'the stall counted', (x) => total(x, 'corral_event_loop_stalls_total') >= 1)
    assert.deepEqual(stallSeries(s).map((x) => [x.labels.route, x.labels.role, x.value]), [['/block', 'running', 1]])
    const seconds = total(s, 'corral_event_loop_stall_seconds_total', { route: '/block' })
    assert.ok(seconds >= 0.3 && seconds < 2, `stalled ${seconds}s`)
    assert.equal(total(s, 'corral_event_loop_stall_duration_seconds_count'), 1)

    const line = await server.waitFor(/EVENT LOOP STALL: the event loop was blocked for \d+ms[^\n]*/)
    assert.match(line, /blocked for (3\d\d|[4-9]\d\d|\d{4,})ms while GET \/block\?ms=300 \(route \/block\) ran its handler/)
    // The watchdog thread took the stack while the loop was held: it names the blocking code.
    assert.match(server.output(), /Blocked at:\n\s+at blockFor \([^)]*stall-app\.ts:\d+:\d+\)/)

    const w = (await status(server)).workers[0]!
    assert.equal(w.stalls, 1)
    assert.deepEqual(w.lastStall && [w.lastStall.role, w.lastStall.routes], ['running', ['/block']])
    assert.ok(w.lastStall!.ms >= 300)
  })

  it('counts a block after an await against each route in flight, with the stack of the code that blocked', async () => {
    const before = total(await scrape(server.admin), 'corral_event_loop_stalls_total')
    const waiting = fetch(server.url + '/wait?ms=2000').then((r) => r.text())
    await until(server.admin, '/wait in flight', (s) => total(s, 'corral_http_requests_in_flight') === 1)
    assert.equal(await (await fetch(server.url + '/later?ms=400')).text(), 'report')
    await waiting
    const s = await until(server.admin, 'the stall counted', (x) => total(x, 'corral_event_loop_stalls_total') > before)
    assert.equal(total(s, 'corral_event_loop_stalls_total', { route: '/later', role: 'in_flight' }), 1)
    assert.equal(total(s, 'corral_event_loop_stalls_total', { route: '/wait', role: 'in_flight' }), 1)
    assert.equal(total(s, 'corral_event_loop_stalls_total', { role: 'running' }), 1, 'only the earlier /block ran its stall')
    const line = await server.waitFor(/EVENT LOOP STALL: [^\n]*with 2 requests in flight[^\n]*/)
    assert.match(line, /GET \/wait\?ms=2000 \(route \/wait, \d+ms old\)/)
    assert.match(line, /GET \/later\?ms=400 \(route \/later, \d+ms old\)/)
    assert.match(server.output(), /Blocked at:\n\s+at blockFor \([^)]*stall-app\.ts:\d+:\d+\)\n\s+at renderReport/)
  })

  it('refuses a threshold too short to mean a stall, naming the setting', async () => {
    const r = await runCli(['print-config', '--stall-threshold', '5ms'])
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /setting stallThreshold: expected 0 \(off\) or a duration of at least 10ms \(e\.g\. 50ms, 0\.2\), received "5ms"/)
  })
})
