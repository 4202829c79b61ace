import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fixture, startCorral } from '../support/corral.js'
import { load } from '../support/load.js'

type Status = { generation: number; workers: { pid: number; generation: number; state: string }[] }
const status = async (admin: string) => (await (await fetch(admin + '/status')).json()) as Status

describe('reload (SIGHUP)', () => {
  it('rolls every worker onto a new generation under load with zero failed requests and zero resets', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '2'] })
    const before = await status(server.admin)
    const traffic = load(server.url + '/', { concurrency: 16, maxMs: 40_000 })
    await sleep(500)
    process.kill(server.child.pid!, 'SIGHUP')
    await server.waitFor(/Reload done: generation 2 serving/, 40_000)
    await sleep(1500)
    const r = await traffic.stop()
    const after = await status(server.admin)
    assert.deepEqual(r.errors, {}, `connection errors during the reload: ${JSON.stringify(r.errors)}`)
    assert.deepEqual(Object.keys(r.statuses), ['200'], `statuses: ${JSON.stringify(r.statuses)}`)
    assert.ok(r.ok > 100, `requests served during the test: ${r.ok}`)
    assert.equal(after.generation, 2)
    const serving = after.workers.filter((w) => w.state !== 'draining')
    assert.equal(serving.length, 2)
    assert.ok(serving.every((w) => w.generation === 2 && !before.workers.some((b) => b.pid === w.pid)))
    assert.match(await (await fetch(server.admin + '/metrics')).text(), /corral_reload_generation 2/)
    await server.stop()
  })

  it('keeps the old workers serving when the new version fails to boot, and says why', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'corral-reload-'))
    const app = join(dir, 'app.ts')
    copyFileSync(fixture('fetch-app.ts').replace('fetch-app.ts', 'named-export.ts'), app)
    // The default --boot-timeout (30 s): the two first workers must boot within it on a loaded machine
    // (10 s was seen too short), and the broken new one ends the roll when it exits, not by timing out.
    const server = await startCorral(t, `${app}:api`, { args: ['--workers', '2'] })
    const before = await status(server.admin)
    writeFileSync(app, 'export const api = { fetch( => oops }\n')
    const traffic = load(server.url + '/', { concurrency: 4, maxMs: 30_000 })
    process.kill(server.child.pid!, 'SIGHUP')
    const stopped = await server.waitFor(/reload stopped: new worker \d+ did not become ready.*/, 60_000)
    assert.match(stopped, /CORRAL_ERR_APP_LOAD|cannot load app/, 'the roll stopped on the load error, not on the boot timeout')
    await sleep(500)
    const r = await traffic.stop()
    assert.deepEqual(r.errors, {})
    assert.deepEqual(Object.keys(r.statuses), ['200'])
    const after = await status(server.admin)
    assert.equal(after.generation, 1, 'the generation is rolled back')
    assert.deepEqual(after.workers.map((w) => w.pid).sort(), before.workers.map((w) => w.pid).sort(), 'the same old workers serve')
    assert.match(server.output(), /CORRAL_ERR_APP_LOAD/)
    assert.equal(await (await fetch(server.url + '/')).text(), 'named export api')
    await server.stop()
  })
})
