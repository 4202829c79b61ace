/**
 * SIGUSR2, a master upgrade in place (Gunicorn's USR2): a new master inherits the listening
 * sockets, becomes ready, then the old one stops accepting and drains. Issue 14, part 6.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fixture, startCorral } from '../support/corral.js'
import { load } from '../support/load.js'
import { running as alive } from '../support/processes.js'

describe('master upgrade (SIGUSR2)', () => {
  it('hands the listening sockets to a new master under load, and the old one drains: no request fails and no connection is reset', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '2'], processGroup: true })
    const oldPid = server.child.pid!
    assert.equal(await (await fetch(server.url + '/ppid')).text(), String(oldPid))
    // Long-lived keep-alive connections, and a connection per request for the accept path.
    const kept = load(server.url + '/', { concurrency: 6, maxMs: 90_000, maxRequests: 200_000 })
    const fresh = load(server.url + '/', { concurrency: 3, maxMs: 90_000, maxRequests: 200_000, newConnectionEach: true })
    const served = () => kept.result.sent + fresh.result.sent
    const untilServed = async (n: number) => { while (served() < n) await new Promise((r) => setTimeout(r, 20)) }
    await untilServed(300)

    process.kill(oldPid, 'SIGUSR2')
    const line = await server.waitFor(/Upgrade: the new master \(pid \d+\) is ready/, 60_000)
    const newPid = Number(/pid (\d+)/.exec(line)![1])
    assert.notEqual(newPid, oldPid)
    const { code } = await server.exited
    assert.equal(code, 0, 'the old master drained and exited cleanly')
    assert.ok(alive(newPid), 'the new master serves on')
    // Evidence the new master serves: its workers answer, and traffic goes on after the old master is gone.
    const afterExit = served()
    await untilServed(afterExit + 300)
    const [a, b] = await Promise.all([kept.stop(), fresh.stop()])
    assert.equal(await (await fetch(server.url + '/ppid')).text(), String(newPid))

    const sent = a.sent + b.sent
    const failed = sent - a.ok - b.ok
    const resets = Object.entries({ ...a.errors, ...b.errors }).filter(([k]) => /RESET|closed|SOCKET/i.test(k)).reduce((n, [, v]) => n + v, 0)
    t.diagnostic(`upgrade under load: ${sent} requests sent (${a.sent} keep-alive, ${b.sent} new connection each), ${failed} failed, ${resets} reset`)
    assert.deepEqual({ ...a.errors, ...b.errors }, {}, 'no request failed at the socket')
    assert.deepEqual(Object.keys({ ...a.statuses, ...b.statuses }), ['200'])
    assert.equal(failed, 0)
    assert.match(server.output(), /Upgrade: draining the workers of the old master/)

    process.kill(newPid, 'SIGTERM')
    while (alive(newPid)) await new Promise((r) => setTimeout(r, 50))
    assert.equal(server.output().match(/Shutdown complete/g)?.length, 2, 'the new master stopped cleanly too')
  })

  it('keeps serving when the new master cannot start (the app on disk is broken now), and says why', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'upgrade-'))
    const app = join(dir, 'app.mjs')
    writeFileSync(app, 'export default { fetch: () => new Response(String(process.ppid)) }\n')
    const server = await startCorral(t, app, { args: ['--workers', '1'], processGroup: true })
    writeFileSync(app, 'export default { fetch: ( =>\n')
    server.child.kill('SIGUSR2')
    await server.waitFor(/Upgrade failed: the new master exited \(code 4\) before it was ready; this master serves on/, 60_000)
    assert.match(server.output(), /CORRAL_ERR_APP_LOAD/)
    assert.equal(await (await fetch(server.url + '/')).text(), String(server.child.pid), 'the old master still answers on its socket')
    assert.equal((await server.stop()).code, 0)
  })
})
