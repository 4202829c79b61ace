/**
 * Loop stalls attributed to routes (issue 17): a worker whose event loop is held past
 * --stall-threshold counts the stall against the route that held it, logs it with the stack of
 * the blocking code, and shows it in /status. The routes burn CPU time rather than wall time, and
 * the threshold is 150 ms, not the default 50, so that on a busy test machine the blocks are the
 * app's by any measure, and a worker the OS leaves waiting for a moment is no stall of a route.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fixture, runCli, startCorral, type Running } from '../support/corral.js'
import { scrape, total, until, type Sample } from '../support/metrics.js'

/** The server's stall warnings, for a failure's message: how long each was, and where its time went. */
const stallLines = (server: Running) => '\nthe stalls the server logged:\n' + (server.output().match(/EVENT LOOP STALL: [^\n]*/g) ?? []).join('\n')
const stallSeries = (s: Sample[]) => s.filter((x) => x.name === 'corral_event_loop_stalls_total')
/** Stalls blamed on a route; a busy test machine may add starved ones, which blame none. */
const routeStalls = (s: Sample[]) => stallSeries(s).filter((x) => x.labels.role !== 'starved')
const status = async (server: Running) => (await (await fetch(server.admin + '/status')).json()) as {
  workers: { pid: number; stalls: number; starvedStalls: number; lastStall?: { ms: number; role: string; routes: string[]; agoMs: number } }[]
}

describe('event-loop stalls', () => {
  let server: Running
  before(async () => {
    server = await startCorral(undefined, fixture('stall-app.ts'), { args: ['--workers', '1', '--stall-threshold', '150ms'] })
  })
  after(() => server.stop())

  it('counts a 600 ms synchronous block under the route that ran it, and under no other route in flight or served', async () => {
    for (let i = 0; i < 5; i++) await (await fetch(server.url + '/')).text()
    // Held in flight until released (a fixed wait could end before a busy machine's scrape saw it).
    const waiting = fetch(server.url + '/wait?ms=60000&id=1').then((r) => r.text())
    await until(server.admin, '/wait in flight', (s) => total(s, 'corral_http_requests_in_flight') === 1)
    // 600 ms against the 150 ms threshold: the watchdog thread looks every 112 ms, and on a loaded
    // machine its own looks run late (a 300 ms block, 287 ms of it measured, once ended with no look in
    // the act and no stack taken, 1 run in 5 of the timing-sensitive files at --test-concurrency=2).
    assert.equal(await (await fetch(server.url + '/block?ms=600')).text(), 'blocked 600')
    await (await fetch(server.url + '/release?id=1')).text()
    await waiting
    for (let i = 0; i < 5; i++) await (await fetch(server.url + '/')).text()

    const s = await until(server.admin, 'the stall counted', (x) => routeStalls(x).length >= 1)
    assert.deepEqual(routeStalls(s).map((x) => [x.labels.route, x.labels.role, x.value]), [['/block', 'running', 1]], stallLines(server))
    // The stall is read on the loop's clock with the time the OS kept the thread waiting taken out,
    // so it can come out a few ms under the 600 ms of CPU the route counted with process.cpuUsage
    // (seen: 297 ms of a 300 ms block); 10% is the tolerance of two clocks, not of what is counted.
    const seconds = total(s, 'corral_event_loop_stall_seconds_total', { route: '/block' })
    assert.ok(seconds >= 0.54 && seconds < 10, `stalled ${seconds}s`)

    // The route's line (a busy machine may log starved stalls before it).
    const line = await server.waitFor(/EVENT LOOP STALL: the event loop was blocked for \d+ms[^\n]*ran its handler[^\n]*/)
    // At least the 600 ms of CPU it burned; on a busy machine more, and the line says how much was waiting for a CPU.
    assert.match(line, /blocked for (5[4-9]\d|[6-9]\d\d|\d{4,})ms( \(\d+ms of it waiting for a CPU\))? while GET \/block\?ms=600 \(route \/block\) ran its handler/)
    // The watchdog thread took the stack while the loop was held: it names the blocking code.
    assert.match(server.output(), /Blocked at:\n\s+at blockFor \([^)]*stall-app\.ts:\d+:\d+\)/)

    const w = (await status(server)).workers[0]!
    assert.equal(w.stalls, 1, 'stalls of its code (a busy machine may add starved ones, counted apart)' + stallLines(server))
    assert.deepEqual(w.lastStall && [w.lastStall.role, w.lastStall.routes], ['running', ['/block']])
    assert.ok(w.lastStall!.ms >= 540, `last stall ${w.lastStall!.ms} ms`)
  })

  it('counts a block after an await against each route in flight, with the stack of the code that blocked', async () => {
    const before = routeStalls(await scrape(server.admin)).reduce((n, x) => n + x.value, 0)
    const waiting = fetch(server.url + '/wait?ms=60000&id=2').then((r) => r.text())
    await until(server.admin, '/wait in flight', (s) => total(s, 'corral_http_requests_in_flight') === 1)
    assert.equal(await (await fetch(server.url + '/later?ms=400')).text(), 'report')
    await (await fetch(server.url + '/release?id=2')).text()
    await waiting
    const s = await until(server.admin, 'the stall counted', (x) => routeStalls(x).reduce((n, y) => n + y.value, 0) > before)
    assert.equal(total(s, 'corral_event_loop_stalls_total', { route: '/later', role: 'in_flight' }), 1, stallLines(server))
    assert.equal(total(s, 'corral_event_loop_stalls_total', { route: '/wait', role: 'in_flight' }), 1, stallLines(server))
    assert.equal(total(s, 'corral_event_loop_stalls_total', { role: 'running' }), 1, 'only the earlier /block ran its stall' + stallLines(server))
    const line = await server.waitFor(/EVENT LOOP STALL: [^\n]*with 2 requests in flight[^\n]*/)
    assert.match(line, /GET \/wait\?ms=60000&id=2 \(route \/wait, \d+ms old\)/)
    assert.match(line, /GET \/later\?ms=400 \(route \/later, \d+ms old\)/)
    // The loop slept (waiting on the 10 ms timer) until the block: its length is the block's, never
    // shorter (the CPU clock counts the process's other threads too, hence 390), and at most one
    // clock interval (75 ms at this threshold) longer, less the time it waited for a CPU.
    const [, ms, waited] = /blocked for (\d+)ms(?: \((\d+)ms of it waiting for a CPU\))?/.exec(line) ?? []
    assert.ok(Number(ms) >= 390 && Number(ms) - Number(waited ?? 0) < 400 + 75, `measured ${ms} ms (${waited ?? 0} ms of it waiting) for a block of 400 ms of CPU`)
    assert.match(server.output(), /Blocked at:\n\s+at blockFor \([^)]*stall-app\.ts:\d+:\d+\)\n\s+at renderReport/)
  })

  it('blames a route that holds the loop asleep in a synchronous call, though it used no CPU', async () => {
    assert.equal(await (await fetch(server.url + '/sleep?ms=400')).text(), 'slept 400')
    const s = await until(server.admin, 'the stall counted', (x) => total(x, 'corral_event_loop_stalls_total', { route: '/sleep' }) >= 1)
    assert.equal(total(s, 'corral_event_loop_stalls_total', { route: '/sleep', role: 'running' }), 1, 'the server said:\n' + server.output())
  })

  it('refuses a threshold too short to mean a stall, naming the setting', async () => {
    const r = await runCli(['print-config', '--stall-threshold', '5ms'])
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /setting stallThreshold: expected 0 \(off\) or a duration of at least 10ms \(e\.g\. 50ms, 0\.2\), received "5ms"/)
  })
})

describe('event-loop stalls one right after another', () => {
  it('takes the stack of a stall that follows another at once', async (t) => {
    const server = await startCorral(t, fixture('stall-app.ts'), { args: ['--workers', '1', '--stall-threshold', '150ms'] })
    // Sent together: /block holds the loop for 300 ms, and /later, read once it lets go, holds it
    // again 10 ms later. Probes were at least 500 ms apart, so the second stall (probed 150 ms into
    // it at the earliest, 500 ms after the first probe at the latest) went without a stack.
    const [a, b] = await Promise.all([
      fetch(server.url + '/block?ms=300').then((r) => r.text()),
      fetch(server.url + '/later?ms=300').then((r) => r.text()),
    ])
    assert.deepEqual([a, b], ['blocked 300', 'report'])
    // The stall's warning, with its stack or with the reason it has none.
    const warning = await server.waitFor(/GET \/later\?ms=300[^\n]*(No stack was taken[^\n]*|\nBlocked at:\n\s+at blockFor [^\n]*\n\s+at renderReport)/)
    assert.match(warning, /\nBlocked at:\n\s+at blockFor \([^)]*stall-app\.ts:\d+:\d+\)\n\s+at renderReport/, stallLines(server))
  })
})

describe('event-loop stalls of a worker the OS does not run', () => {
  it('counts a worker held back by its CPU quota as starved, against no route', async (t) => {
    // A real cgroup v1 CPU group, the server started inside it as a container's processes are.
    // Once it is up, a quota of 20 ms of CPU per 500 ms period: the kernel stops the worker's loop
    // for most of each period while it works in 1 ms slices. The main thread then waits for a CPU,
    // and also sleeps on its own throttled threads (GC helpers), which only the cgroup's throttled
    // time accounts for: before that was counted, 1 run in 3 blamed the route.
    const base = '/sys/fs/cgroup/cpu'
    const group = join(base, `corral-stall-test-${process.pid}`)
    try {
      mkdirSync(group)
      writeFileSync(join(group, 'cpu.cfs_period_us'), '500000')
    } catch (err) {
      t.skip(`cannot create a cgroup v1 cpu group here (${(err as Error).message})`)
      return
    }
    let server: Running | undefined
    try {
      server = await startCorral(t, fixture('stall-app.ts'), {
        args: ['--workers', '1', '--stall-threshold', '150ms'],
        launcher: ['sh', '-c', `echo $$ > ${join(group, 'cgroup.procs')} && exec "$@"`, 'sh'],
      })
      // The route served once before the quota: what a worker does only at its first request
      // (compiling the handler, Node's lazy Response, the stall clock's first start) is not this
      // test's. Unwarmed, one run in a newcomer's `npm test` beside other files met a first stall
      // whose main thread slept 152 ms while the cgroup counted no throttling at all, and that
      // stall, which no counter can tell from a sync call, was blamed on the route.
      assert.equal(await (await fetch(server.url + '/busy?ms=1')).text(), 'busy 1')
      writeFileSync(join(group, 'cpu.cfs_quota_us'), '20000')
      try {
        assert.equal(await (await fetch(server.url + '/busy?ms=150')).text(), 'busy 150')
      } finally {
        writeFileSync(join(group, 'cpu.cfs_quota_us'), '-1')
      }
      const s = await until(server.admin, 'a starved stall', (x) => total(x, 'corral_event_loop_stalls_total', { role: 'starved' }) >= 1)
      assert.deepEqual(stallSeries(s).filter((x) => x.labels.role !== 'starved').map((x) => x.labels), [], 'no route is blamed; the server said:\n' + server.output())
      assert.equal(total(s, 'corral_event_loop_stalls_total', { route: '(none)', role: 'starved' }), total(s, 'corral_event_loop_stalls_total'))
      await server.waitFor(/EVENT LOOP STALL: the event loop was blocked for \d+ms but not by this worker's code: it was waiting for a CPU/)
      const w = (await status(server)).workers[0]!
      assert.ok(w.starvedStalls >= 1)
      assert.equal(w.stalls, 0)
    } finally {
      await server?.stop()
      // The group empties as the kernel reaps the last process, a moment after the exit.
      for (const deadline = Date.now() + 10_000; existsSync(group);) {
        try { rmdirSync(group) } catch (err) { if (Date.now() > deadline) throw err; await new Promise((r) => setTimeout(r, 50)) }
      }
    }
  })
})
