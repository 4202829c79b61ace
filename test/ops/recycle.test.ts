import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { fixture, startCorral } from '../support/corral.js'
import { load } from '../support/load.js'

describe('recycling workers', () => {
  it('recycles after --max-requests under load, one at a time, with zero failed requests', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), {
      args: ['--workers', '2', '--max-requests', '300', '--max-requests-jitter', '50', '--min-worker-uptime', '0'],
    })
    const traffic = load(server.url + '/', { concurrency: 8, maxRequests: 50_000, maxMs: 60_000 })
    const deadline = Date.now() + 60_000
    while ((server.output().match(/Recycling worker \d+ \(max_requests\)/g) ?? []).length < 3 && Date.now() < deadline) await sleep(200)
    const r = await traffic.stop()
    await sleep(1000)
    assert.deepEqual(r.errors, {}, JSON.stringify(r.errors))
    assert.deepEqual(Object.keys(r.statuses), ['200'], JSON.stringify(r.statuses))
    const recycled = server.output().match(/Recycling worker \d+ \(max_requests\)/g) ?? []
    assert.ok(recycled.length >= 3, `recycled ${recycled.length} times`)
    const metrics = await (await fetch(server.admin + '/metrics')).text()
    const count = Number(/corral_worker_restarts_total\{reason="max_requests"\} (\d+)/.exec(metrics)?.[1])
    assert.ok(count >= 2, `restarts for max_requests: ${count}`)
    const status = await (await fetch(server.admin + '/status')).json() as any
    assert.equal(status.workers.filter((w: { state: string }) => w.state === 'ready').length, 2, 'capacity kept')
    await server.stop()
  })

  it('recycles a worker whose resident memory passes --max-worker-memory, keeping one serving throughout', async (t) => {
    // Any Node process is past 1mb of RSS, so the worker is recycled as soon as its minimum uptime allows.
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--max-worker-memory', '1mb', '--min-worker-uptime', '2'] })
    const traffic = load(server.url + '/', { concurrency: 4, maxMs: 30_000 })
    await server.waitFor(/Recycling worker 1 \(memory\)/, 20_000)
    await server.waitFor(/Worker 1 \(pid: \d+\) exited: memory/, 20_000)
    const r = await traffic.stop()
    assert.deepEqual(r.errors, {})
    assert.deepEqual(Object.keys(r.statuses), ['200'])
    await server.stop()
  })
})
