import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { fixture, startCorral } from '../support/corral.js'

describe('worker models', () => {
  it('async with --no-overload-control: answers 503 with Retry-After at once past --worker-connections, and serves on', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--worker-connections', '5', '--no-overload-control'] })
    const slow = Array.from({ length: 5 }, () => fetch(server.url + '/slow?ms=1500'))
    await sleep(300)
    const started = Date.now()
    const over = await fetch(server.url + '/')
    assert.equal(over.status, 503)
    assert.equal(over.headers.get('retry-after'), '1')
    assert.match(await over.text(), /limit of 5 requests/)
    assert.ok(Date.now() - started < 1000, 'refused at once, not after the slow ones')
    for (const r of await Promise.all(slow)) assert.equal(r.status, 200)
    assert.equal((await fetch(server.url + '/')).status, 200)
    await server.stop()
  })

  it('async: runs many requests at once in one worker', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1'] })
    await Promise.all(Array.from({ length: 20 }, () => fetch(server.url + '/slow?ms=500').then((r) => r.text())))
    const stats = await (await fetch(server.url + '/stats')).json() as any
    assert.ok(stats.maxInFlight >= 10, `maxInFlight ${stats.maxInFlight}`)
    await server.stop()
  })

  it('sync: serves one request at a time per worker; the rest wait their turn', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--worker-class', 'sync'] })
    const started = Date.now()
    const all = await Promise.all(Array.from({ length: 4 }, () => fetch(server.url + '/slow?ms=300').then((r) => r.status)))
    const took = Date.now() - started
    assert.deepEqual(all, [200, 200, 200, 200])
    const stats = await (await fetch(server.url + '/stats')).json() as any
    assert.equal(stats.maxInFlight, 1)
    assert.ok(took >= 4 * 300 - 50, `four 300ms requests one at a time take >= 1.2s, took ${took}ms`)
    await server.stop()
  })

  it('threads: keeps answering while one request burns CPU in a worker thread', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--worker-class', 'threads', '--threads', '2'] })
    const burning = fetch(server.url + '/spin?ms=2500').then((r) => r.text())
    await sleep(300)
    const started = Date.now()
    const quick = await fetch(server.url + '/')
    const took = Date.now() - started
    assert.equal(await quick.text(), 'Hello, World!')
    assert.ok(took < 1500, `a quick request is not stuck behind the CPU-heavy one (took ${took}ms)`)
    assert.equal(await burning, 'spun 2500')
    await server.stop()
  })

  it('threads: refuses an app that is not a fetch handler, with CORRAL_ERR_WORKER_CLASS', async (t) => {
    const server = await startCorral(t, fixture('node-listener.ts'), { args: ['--workers', '1', '--worker-class', 'threads'], noWait: true })
    const { code } = await server.exited
    assert.equal(code, 4)
    assert.match(server.output(), /CORRAL_ERR_WORKER_CLASS: worker class threads cannot serve this app/)
  })
})
