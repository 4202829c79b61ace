import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fixture, startCorral } from '../support/corral.js'
import { status, statusUntil } from '../support/status.js'

describe('a worker whose event loop is blocked', () => {
  it('is detected by its missing heartbeat, logged with its in-flight request and stack, killed and replaced while the others serve', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '2', '--worker-timeout', '2'] })
    const before = (await status(server.admin)).workers.map((w) => w.pid)
    const stuck = fetch(server.url + '/spin?ms=60000').then((r) => r.status, () => 'cut off')
    await server.waitFor(/spinning 60000 ms in pid \d+/)
    // While one worker spins, the other keeps answering (a fresh connection each time, so the
    // master's round robin spreads them; those it hands to the stuck worker wait, so allow time).
    let served = 0
    const deadline = Date.now() + 8000
    while (!/WORKER TIMEOUT/.test(server.output()) && Date.now() < deadline) {
      const r = await fetch(server.url + '/', { headers: { connection: 'close' }, signal: AbortSignal.timeout(6000) }).catch(() => undefined)
      if (r?.status === 200) served++
      await r?.text()
    }
    const line = await server.waitFor(/WORKER TIMEOUT: worker \d+ \(pid: \d+\) sent no heartbeat for \d+ms[^\n]*/)
    assert.match(line, /In flight while blocked: GET \/spin\?ms=60000/)
    assert.ok(served > 0, 'the other worker served while one was stuck')
    assert.equal(await stuck, 'cut off')
    // The stack comes from the worker's watchdog thread, taken while the loop was blocked.
    assert.match(server.output(), /Blocked at:[\s\S]*fetch-app\.ts/)
    await server.waitFor(/Booting worker 3/)
    // The replacement boots in a second on a quiet machine, several on a busy one: wait for the
    // master to report it ready (bounded) rather than for a fixed time.
    const after = (await statusUntil(server.admin, 'two ready workers', (s) => s.workers.filter((w) => w.state === 'ready').length === 2, 30_000)).workers
    assert.equal(after.filter((w) => before.includes(w.pid)).length, 1, 'one old worker kept, the stuck one replaced')
    const metrics = await (await fetch(server.admin + '/metrics')).text()
    assert.match(metrics, /corral_worker_restarts_total\{reason="timeout"\} 1/)
    await server.stop()
  })

  it('is still killed and replaced with --no-worker-stacks, and its log says no stack was taken (no watchdog thread)', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--worker-timeout', '2', '--no-worker-stacks', '--stall-threshold', '0'] })
    const stuck = fetch(server.url + '/spin?ms=60000').then((r) => r.status, () => 'cut off')
    const line = await server.waitFor(/WORKER TIMEOUT: worker \d+ \(pid: \d+\) sent no heartbeat for \d+ms[^\n]*/)
    assert.match(line, /No stack was taken \(--no-worker-stacks/)
    assert.equal(await stuck, 'cut off')
    await server.waitFor(/Booting worker 2/)
    assert.doesNotMatch(server.output(), /Blocked at:/)
    await server.stop()
  })
})
