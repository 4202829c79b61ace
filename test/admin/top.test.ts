/**
 * `corral top` in a real terminal (tmux), against a real corral: what it shows moves with the
 * server, its keys act on it, and it says plainly when it cannot. Every wait reads the screen.
 */
import { after, before, describe, it, test } from 'node:test'
import assert from 'node:assert/strict'
import { CLI, fixture, freePort, runCli, startCorral, type Running } from '../support/corral.js'
import { load } from '../support/load.js'
import { Terminal } from '../support/tmux.js'
import { needTool } from '../support/tools.js'

let available = false
// CI sets CI, and Ink then draws only its last frame unless `corral top` takes it out first: run
// as CI does everywhere, so a build that loads Ink too early fails here and not only in CI.
const AS_IN_CI = { CI: 'true' }
test('tmux is installed for the terminal tests', (t) => { available = needTool(t, 'tmux') })

const status = async (s: Running) => (await fetch(s.admin + '/status')).json() as Promise<{ generation: number; target: number; workers: { pid: number }[] }>

describe('corral top', () => {
  let server: Running
  let term: Terminal
  before(async () => {
    if (!available) return
    server = await startCorral(undefined, fixture('fetch-app.ts'), { args: ['--workers', '2', '--dashboard-actions'] })
    term = await Terminal.start([process.execPath, CLI, 'top', `127.0.0.1:${server.adminPort}`], { columns: 140, rows: 48, env: AS_IN_CI })
  })
  after(async () => {
    await term?.close()
    await server?.stop()
  })

  it('shows every worker, and the requests it serves as they come', async (t) => {
    if (!available) return t.skip('no tmux')
    const pids = (await status(server)).workers.map((w) => String(w.pid))
    await term.waitFor('both workers and a live header', (s) => pids.every((p) => s.includes(p)) && /live \d\d:\d\d:\d\d/.test(s))
    const traffic = load(server.url + '/', { concurrency: 4, maxRequests: 2000, maxMs: 20_000 })
    await term.waitFor('a request rate', (s) => Number(/requests\/s ([\d.]+)/.exec(s)?.[1] ?? 0) > 0)
    const sent = await traffic.stop()
    await term.waitFor(`served ≥ ${sent.ok}`, (s) => Number(/served (\d+)/.exec(s)?.[1] ?? 0) >= sent.ok)
    await term.waitFor('the 200s counted', (s) => Number(/STATUS\s+200 (\d+)/.exec(s)?.[1] ?? 0) >= sent.ok)
  })

  it('shows a killed worker as a crash restart', async (t) => {
    if (!available) return t.skip('no tmux')
    const victim = (await status(server)).workers[0].pid
    process.kill(victim, 'SIGKILL')
    await term.waitFor('the crash', (s) => /RESTARTS\s+crash 1\b/.test(s) && s.includes(`pid ${victim}) exited: crash (SIGKILL)`))
    const now = (await status(server)).workers.map((w) => String(w.pid))
    await term.waitFor('the replacement', (s) => now.every((p) => s.includes(p)))
  })

  it('reloads after r and y, adds a worker with +, and quits with q, giving the shell its screen back', async (t) => {
    if (!available) return t.skip('no tmux')
    await term.keys('r')
    await term.waitFor('the question', /reload every worker\? y \/ n/)
    await term.keys('y')
    await term.waitFor('the reload', /reload done: generation 2 serving/, 60_000)
    assert.equal((await status(server)).generation, 2)
    await term.keys('+')
    await term.waitFor('the new target', /workers: target 3/, 30_000)
    assert.equal((await status(server)).target, 3)
    await term.waitFor('three workers ready', /workers 3\/3 ready/, 30_000)
    await term.keys('q')
    assert.equal(await term.exited(), 0)
    const screen = await term.screen()
    assert.doesNotMatch(screen, /WORKERS/, 'the alternate screen is gone')
  })
})

describe('corral top without a server', () => {
  it('says it cannot reach the admin port and keeps trying, until q', async (t) => {
    if (!available) return t.skip('no tmux')
    const port = await freePort()
    const term = await Terminal.start([process.execPath, CLI, 'top', `127.0.0.1:${port}`], { columns: 120, rows: 20, env: AS_IN_CI })
    t.after(() => term.close())
    await term.waitFor('the reason', new RegExp(`http://127.0.0.1:${port}: .*ECONNREFUSED.*retrying|http://127.0.0.1:${port}: .*retrying`))
    await term.keys('q')
    assert.equal(await term.exited(), 0)
  })

  it('refuses to run without a terminal, and names where a script reads the same numbers', async () => {
    const r = await runCli(['top', '127.0.0.1:9'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /CORRAL_ERR_USAGE: corral top needs a terminal; .*\/dashboard\/state/)
    const bad = await runCli(['top', 'no:such:address'])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /admin address must be host:port, unix:\/path or http:\/\/host:port, received "no:such:address"/)
  })
})
