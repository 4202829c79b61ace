import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fixture, startCorral } from '../support/corral.js'

describe('serving each app export shape', () => {
  const cases: [string, string, string, string][] = [
    ['a fetch handler object', 'fetch-app.ts', '/', 'Hello, World!'],
    ['a Node (req, res) listener', 'node-listener.ts', '/x?y=1', 'node listener GET /x?y=1'],
    ['an Express app exported as `app`', 'express-app.ts', '/', 'express hello'],
    ['a Fastify instance', 'fastify-app.ts', '/', 'fastify hello'],
    ['a Hono app', 'hono-app.ts', '/', 'hono hello'],
    ['an async factory', 'factory-app.ts', '/', 'from a factory'],
    ['a named export given as module:name', 'named-export.ts:api', '/', 'named export api'],
  ]
  for (const [what, app, path, body] of cases) {
    it(`serves ${what}`, async (t) => {
      const server = await startCorral(t, fixture(app), { args: ['--workers', '1'] })
      const res = await fetch(server.url + path)
      assert.equal(res.status, 200)
      assert.equal(await res.text(), body)
      assert.equal((await server.stop()).code, 0)
    })
  }

  it('gives a fetch handler ctx with a signal, a request id, the worker id and the client address', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1'] })
    const a = await (await fetch(server.url + '/ctx')).json() as any
    const b = await (await fetch(server.url + '/ctx')).json() as any
    assert.equal(a.hasSignal, true)
    assert.equal(a.workerId, 1)
    assert.equal(a.clientIp, '127.0.0.1')
    assert.equal(a.protocol, 'http')
    assert.match(a.requestId, /\S+/)
    assert.notEqual(a.requestId, b.requestId)
    assert.equal(a.url, `${server.url}/ctx`)
    await server.stop()
  })

  it('passes route params, headers and JSON bodies through a Hono app', async (t) => {
    const server = await startCorral(t, fixture('hono-app.ts'), { args: ['--workers', '1'] })
    const user = await (await fetch(server.url + '/users/42', { headers: { 'user-agent': 'corral-test' } })).json() as any
    assert.deepEqual(user, { id: '42', ua: 'corral-test' })
    const echoed = await fetch(server.url + '/echo', { method: 'POST', body: JSON.stringify({ a: [1, 2] }), headers: { 'content-type': 'application/json' } })
    assert.deepEqual(await echoed.json(), { a: [1, 2] })
    await server.stop()
  })

  it('streams a response body that arrives in pieces, and answers a throwing handler with a plain 500', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1'] })
    const streamed = await fetch(server.url + '/stream')
    assert.equal(await streamed.text(), 'ab')
    assert.equal(streamed.headers.get('transfer-encoding'), 'chunked')
    const failed = await fetch(server.url + '/throw')
    assert.equal(failed.status, 500)
    assert.equal(await failed.text(), 'Internal Server Error\n')
    assert.equal((await fetch(server.url + '/')).status, 200, 'the worker serves on after a handler error')
    await server.waitFor(/CORRAL_ERR_HANDLER/)
    await server.stop()
  })

  it('answers 500 when an async handler resolves to something it cannot send, and serves on in the same worker', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1'] })
    const pid = await (await fetch(server.url + '/pid')).text()
    for (const path of ['/not-a-response', '/unwritable']) {
      // Without its 500 the client would wait for ever: the answer is never written.
      const res = await fetch(server.url + path, { signal: AbortSignal.timeout(10_000) })
      assert.equal(res.status, 500, path)
      assert.equal(await res.text(), 'Internal Server Error\n', path)
    }
    await server.waitFor(/not a Response/)
    await server.waitFor(/ERR_INVALID_CHAR|Invalid character/)
    assert.equal(await (await fetch(server.url + '/pid')).text(), pid, 'the same worker answers after both')
    assert.equal((await server.stop()).code, 0)
  })
})
