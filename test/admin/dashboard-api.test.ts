/**
 * The dashboard's paths on the admin port, over real HTTP to a real corral: the state document,
 * the assets it serves itself, and the guards on its actions (the admin port has no
 * authentication, so they are off unless asked for, and never taken from another origin).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { State } from '../../src/admin/wire.js'
import { fixture, startCorral, type Running } from '../support/corral.js'

const post = (url: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(url, { method: 'POST', body, headers }).then(async (r) => ({ status: r.status, body: await r.json() as { ok: boolean; error?: string; target?: number } }))

describe('the dashboard on the admin port', () => {
  let plain: Running
  let actions: Running
  before(async () => {
    ;[plain, actions] = await Promise.all([
      startCorral(undefined, fixture('fetch-app.ts'), { args: ['--workers', '2'] }),
      startCorral(undefined, fixture('fetch-app.ts'), { args: ['--workers', '2', '--dashboard-actions'] }),
    ])
  })
  after(async () => { await Promise.all([plain?.stop(), actions?.stop()]) })

  it('serves the page at / and the state document with every worker of /status', async () => {
    const page = await fetch(plain.admin + '/')
    assert.equal(page.status, 200)
    assert.match(page.headers.get('content-type') ?? '', /text\/html/)
    assert.match(await page.text(), /<script type="module" src="\/dashboard\/assets\/main.js">/)
    for (let i = 0; i < 20; i++) await (await fetch(plain.url + '/')).text()
    const st = await (await fetch(plain.admin + '/status')).json() as { workers: { pid: number }[]; generation: number }
    const state = await (await fetch(plain.admin + '/dashboard/state')).json() as State
    assert.deepEqual(state.snapshot.workers.map((w) => w.pid).sort(), st.workers.map((w) => w.pid).sort())
    assert.equal(state.snapshot.generation, st.generation)
    assert.equal(state.snapshot.actions, false)
    assert.ok(state.points.length >= 1)
    assert.ok(state.snapshot.requests.total >= 0)
    // Later asks bring only newer points.
    const last = state.points.at(-1)!.t
    const next = await (await fetch(plain.admin + `/dashboard/state?since=${last}`)).json() as State
    assert.ok(next.points.every((p) => p.t > last))
    assert.equal(plain.output().includes('Admin at:') && /dashboard at \//.test(plain.output()), true, 'the startup log names the dashboard')
  })

  it('serves uPlot and its own scripts, and nothing else from disk', async () => {
    const uplot = await fetch(plain.admin + '/dashboard/assets/uplot.js')
    assert.equal(uplot.status, 200)
    assert.match(uplot.headers.get('content-type') ?? '', /javascript/)
    assert.match(await uplot.text(), /uPlot/)
    assert.equal((await fetch(plain.admin + '/dashboard/assets/uplot.css')).status, 200)
    assert.equal((await fetch(plain.admin + '/dashboard/assets/main.js')).status, 200)
    for (const path of ['/dashboard/assets/..%2F..%2Fpackage.json', '/dashboard/assets/wire.js', '/dashboard/assets/nope.js', '/dashboard/nothing']) {
      assert.equal((await fetch(plain.admin + path)).status, 404, path)
    }
    // The admin endpoints are as they were.
    assert.equal((await fetch(plain.admin + '/healthz')).status, 200)
    assert.equal((await fetch(plain.admin + '/readyz')).status, 200)
  })

  it('refuses actions with 403 unless --dashboard-actions is on', async () => {
    const r = await post(plain.admin + '/dashboard/actions/reload', '{}')
    assert.equal(r.status, 403)
    assert.match(r.body.error ?? '', /--dashboard-actions/)
    assert.equal((await post(plain.admin + '/dashboard/actions/scale', '{"to":5}')).status, 403)
    assert.equal(((await (await fetch(plain.admin + '/status')).json()) as { target: number }).target, 2)
  })

  it('takes an action only as JSON from its own origin, and says what a worker count may be', async () => {
    const scale = actions.admin + '/dashboard/actions/scale'
    const form = await post(scale, 'to=1', { 'content-type': 'application/x-www-form-urlencoded' })
    assert.equal(form.status, 415, 'a plain cross-site form cannot reach it')
    const foreign = await post(scale, '{"to":1}', { 'content-type': 'application/json', origin: 'http://evil.example' })
    assert.equal(foreign.status, 403)
    assert.match(foreign.body.error ?? '', /origin http:\/\/evil.example/)
    for (const bad of ['{"to":0}', '{"to":"many"}', '{"to":2.5}', '[]', 'not json']) {
      const r = await post(scale, bad)
      assert.equal(r.status, 400, bad)
      assert.match(r.body.error ?? '', /whole number from 1 to 1024|not a JSON object/, bad)
    }
    assert.equal((await fetch(actions.admin + '/dashboard/actions/scale')).status, 405)
    assert.equal(((await (await fetch(actions.admin + '/status')).json()) as { target: number }).target, 2, 'nothing refused changed anything')
    const ok = await post(scale, '{"to":1}', { 'content-type': 'application/json', origin: actions.admin })
    assert.deepEqual(ok, { status: 200, body: { ok: true, target: 1 } })
    await actions.waitFor(/Scaling workers from 2 to 1/)
  })
})

describe('the dashboard turned off', () => {
  it('leaves / a 404 and the admin endpoints as they were with --no-dashboard', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--no-dashboard'] })
    const root = await fetch(server.admin + '/')
    assert.equal(root.status, 404)
    assert.match(await root.text(), /try \/healthz \/readyz \/metrics \/status/)
    assert.equal((await fetch(server.admin + '/dashboard/state')).status, 404)
    assert.equal((await fetch(server.admin + '/status')).status, 200)
    await server.stop()
  })
})
