import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fixture, runCli, startCorral } from '../support/corral.js'

describe('corral ctl over the control socket', () => {
  it('lists workers, shows stats, scales, kills one worker and reloads', async (t) => {
    const sock = join(mkdtempSync(join(tmpdir(), 'ctl-')), 'control.sock')
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '2', '--control-socket', sock] })
    const ctl = (...args: string[]) => runCli(['ctl', ...args, '--control-socket', sock])
    for (let i = 0; i < 5; i++) await (await fetch(server.url + '/')).text()

    const workers = await ctl('workers')
    assert.equal(workers.code, 0, workers.stderr)
    const rows = workers.stdout.trim().split('\n')
    assert.match(rows[0], /^id\s+pid\s+gen\s+state\s+age\s+served\s+in-flight\s+heartbeat\s+rss/)
    assert.equal(rows.length, 3)

    const stats = JSON.parse((await ctl('stats', '--json')).stdout)
    assert.equal(stats.target, 2)
    assert.equal(stats.generation, 1)
    assert.equal(stats.workers.length, 2)

    const scaled = await ctl('scale', '3')
    assert.match(scaled.stdout, /ok target=3/)
    await server.waitFor(/Booting worker 3/)

    const victim = stats.workers[0]
    const killed = await ctl('kill', String(victim.id))
    assert.equal(killed.code, 0, killed.stderr)
    await server.waitFor(new RegExp(`Worker ${victim.id} \\(pid: ${victim.pid}\\) exited: killed`))

    const reloaded = await ctl('reload')
    assert.equal(reloaded.code, 0, reloaded.stderr)
    assert.match(reloaded.stdout, /ok generation=2/)
    await sleep(500)
    const after = JSON.parse((await ctl('workers', '--json')).stdout)
    const serving = after.workers.filter((w: { state: string }) => w.state !== 'draining')
    // A reload applies the config again, workers included (as Gunicorn's HUP does): back to 2.
    assert.equal(serving.length, 2)
    assert.ok(serving.every((w: { generation: number }) => w.generation === 2))

    const bad = await ctl('kill', '99')
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /no worker 99/)
    await server.stop()
  })

  it('says clearly when no master listens on the socket', async () => {
    const r = await runCli(['ctl', 'workers', '--control-socket', join(tmpdir(), 'nobody-here.sock')])
    assert.equal(r.code, 7)
    assert.match(r.stderr, /CORRAL_ERR_CONTROL: control socket .*nobody-here\.sock: no corral master is listening there/)
  })
})
