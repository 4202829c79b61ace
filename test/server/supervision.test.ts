import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { fixture, startCorral } from '../support/corral.js'
import { connectedRequest } from '../support/connected-request.js'
import { status } from '../support/status.js'
import { pollFor } from '../support/poll.js'

const until = <T>(what: string, probe: () => Promise<T | undefined>) => pollFor(what, probe, { everyMs: 100 })

describe('supervising workers', () => {
  it('replaces a worker killed with SIGKILL, keeping the worker count, while requests keep succeeding', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '2'] })
    const before = await status(server.admin)
    assert.equal(before.workers.length, 2)
    const victim = before.workers[0]
    let failures = 0
    let ok = 0
    let stop = false
    const load = (async () => {
      for (let i = 0; i < 2000 && !stop; i++) {
        try {
          const res = await fetch(server.url + '/')
          if (res.status === 200) ok++
          else failures++
          await res.arrayBuffer()
        } catch {
          failures++
        }
      }
    })()
    await sleep(200)
    process.kill(victim.pid, 'SIGKILL')
    const after = await until('a replacement is ready', async () => {
      const s = await status(server.admin)
      return s.workers.filter((w) => w.state === 'ready').length === 2 && !s.workers.some((w) => w.pid === victim.pid) ? s : undefined
    })
    await sleep(300)
    stop = true
    await load
    assert.equal(after.workers.length, 2)
    assert.ok(ok > 0)
    // Connections the dead worker held die with it; new requests must all succeed. A request on a
    // connection that was in the dead worker can fail once, so allow only a handful.
    assert.ok(failures <= 5, `failures: ${failures}`)
    assert.match(server.output(), new RegExp(`Worker ${victim.id} \\(pid: ${victim.pid}\\) died \\(SIGKILL\\); starting another`))
    const metrics = await (await fetch(server.admin + '/metrics')).text()
    assert.match(metrics, /corral_worker_restarts_total\{reason="crash"\} 1/)
    await server.stop()
  })

  it('replaces a worker sent SIGTERM on its own, surge first, without a failed request', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1'] })
    const [victim] = (await status(server.admin)).workers
    // A request in flight on the worker when the signal lands, and one connection made afterwards.
    const slow = fetch(server.url + '/slow?ms=1500').then((r) => r.text())
    await until('the slow request is in flight', async () => ((await status(server.admin)).workers[0] as { inFlight?: number }).inFlight === 1 || undefined)
    process.kill(victim.pid, 'SIGTERM')
    await server.waitFor(new RegExp(`Worker ${victim.id} \\(pid: ${victim.pid}\\) got SIGTERM; replacing it`))
    const fresh = await until('a replacement is ready', async () => (await status(server.admin)).workers.find((w) => w.pid !== victim.pid && w.state === 'ready'))
    assert.equal(await slow, 'slept 1500', 'the request in flight was answered')
    await server.waitFor(new RegExp(`Worker ${victim.id} \\(pid: ${victim.pid}\\) exited: sigterm`))
    const next = await connectedRequest(server.url + '/pid').answer
    assert.equal((next as { body: string }).body, String(fresh.pid), 'a new connection reaches the replacement')
    assert.match(await (await fetch(server.admin + '/metrics')).text(), /corral_worker_restarts_total\{reason="sigterm"\} 1/)
    await server.stop()
  })

  it('replaces a worker that crashes on an uncaught exception', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1'] })
    const pid = Number(await (await fetch(server.url + '/pid')).text())
    await (await fetch(server.url + '/crash')).text()
    const next = await until('a new worker answers', async () => {
      try {
        const p = Number(await (await fetch(server.url + '/pid')).text())
        return p !== pid ? p : undefined
      } catch { return undefined }
    })
    assert.notEqual(next, pid)
    assert.match(server.output(), /uncaught exception/)
    await server.stop()
  })

  it('backs off exponentially when workers keep crashing soon after they boot', async (t) => {
    const server = await startCorral(t, fixture('crash-soon.ts'), { args: ['--workers', '1'] })
    await server.waitFor(/next spawn in 400ms/, 30_000)
    const delays = [...server.output().matchAll(/next spawn in (\d+)ms/g)].map((m) => Number(m[1]))
    assert.deepEqual(delays.slice(0, 3), [100, 200, 400])
    await server.stop()
  })
})
