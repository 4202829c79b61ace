import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fixture, startCorral } from '../support/corral.js'

describe('the request deadline (--request-timeout)', () => {
  it('answers 504 when it passes, aborts the handler signal, and the worker serves on', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--request-timeout', '500ms'] })
    const started = Date.now()
    const res = await fetch(server.url + '/slow?ms=5000')
    const took = Date.now() - started
    assert.equal(res.status, 504)
    assert.match(await res.text(), /passed its 500ms deadline/)
    assert.ok(took >= 450 && took < 3000, `answered at the deadline, took ${took}ms`)
    const stats = await (await fetch(server.url + '/stats')).json() as any
    assert.equal(stats.aborted, 1, "the handler's ctx.signal fired, so its sleep stopped")
    assert.equal((await fetch(server.url + '/slow?ms=50')).status, 200, 'a request within the deadline is fine')
    assert.doesNotMatch(server.output(), /CORRAL_ERR_HANDLER/, 'the abort is not logged as an app failure')
    await server.stop()
  })

  it('counts from admission when the synchronous part outlasts it: the 504 follows that part at once', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--request-timeout', '500ms'] })
    const res = await fetch(server.url + '/spin-wait?ms=700&wait=5000')
    assert.equal(res.status, 504)
    assert.match(await res.text(), /passed its 500ms deadline/)
    const stats = await (await fetch(server.url + '/stats')).json() as any
    // The deadline is armed once the synchronous part returns, with what is left of it (nothing here):
    // a deadline counted from then would abort 500 ms later.
    assert.ok(stats.abortAfterSpinMs !== undefined && stats.abortAfterSpinMs < 450, `aborted ${stats.abortAfterSpinMs} ms after the spin`)
    await server.stop()
  })

  it('aborts the handler signal when the client disconnects', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1'] })
    const controller = new AbortController()
    const pending = fetch(server.url + '/slow?ms=5000', { signal: controller.signal }).catch(() => 'aborted')
    await new Promise((r) => setTimeout(r, 300))
    controller.abort()
    assert.equal(await pending, 'aborted')
    await new Promise((r) => setTimeout(r, 300))
    const stats = await (await fetch(server.url + '/stats')).json() as any
    assert.equal(stats.aborted, 1)
    await server.stop()
  })
})
