/**
 * Response.json in a worker is LightResponse.json, which skips building a Headers object. What the
 * app and the client see must not change: each shape of init gives the same status, headers and
 * body as Node's own Response.json, on the object and on the wire (through the fetch adapter's writer).
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { writeResponse } from '../../src/app/fetch.js'
import { LightResponse } from '../../src/app/light-response.js'
import { natives } from '../../src/app/web-classes.js'

const shapes: [string, ResponseInit | undefined][] = [
  ['no init', undefined],
  ['a status only', { status: 201, statusText: 'Made' }],
  ['a header record', { headers: { 'X-Trace': 'a1' } }],
  ['a record with its own content type', { headers: { 'Content-Type': 'application/problem+json' }, status: 422 }],
  // No constructor to tell it by: the writer must still read it as a record, not a Headers.
  ['a null-prototype record with its own content type', { headers: Object.assign(Object.create(null) as Record<string, string>, { 'content-type': 'application/problem+json', 'x-trace': 'd4' }) }],
  ['header pairs', { headers: [['x-trace', 'b2'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2']] }],
  ['pairs with a content type', { headers: [['content-type', 'application/ld+json']] }],
  ['a Headers object', { headers: new Headers({ 'x-trace': 'c3' }) }],
  ['a Headers object with a content type', { headers: new Headers({ 'content-type': 'text/json' }) }],
]

const data = { hello: 'world', n: [1, 2, 3] }
const seen = (r: Response) => ({ status: r.status, statusText: r.statusText, headers: [...r.headers], ok: r.ok })

describe('Response.json without a Headers object', () => {
  for (const [what, init] of shapes) {
    it(`answers as Node's Response.json does for ${what}`, async () => {
      const light = LightResponse.json(data, init) as unknown as Response
      const native = natives().Response.json(data, init)
      assert.deepEqual(seen(light), seen(native))
      assert.equal(await light.text(), await native.text())

      // On the wire: the light one through the adapter's fast writer, the native one streamed.
      const wire = async (r: Response) => {
        const server = createServer((_req, res) => { void writeResponse(res, r) }).listen(0, '127.0.0.1')
        await once(server, 'listening')
        try {
          const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
          return { status: res.status, type: res.headers.get('content-type'), cookies: res.headers.getSetCookie(), trace: res.headers.get('x-trace'), body: await res.text() }
        } finally { server.close() }
      }
      assert.deepEqual(await wire(LightResponse.json(data, init) as unknown as Response), await wire(natives().Response.json(data, init)))
    })
  }
})

describe('Response in a worker', () => {
  it('counts real responses (fetch, Response.error, Response.redirect) and light ones as instances of the global Response', async () => {
    const saved = globalThis.Response
    const { installLightResponse } = await import('../../src/app/light-response.js')
    installLightResponse()
    try {
      assert.notEqual(globalThis.Response, saved)
      const light = new Response('x')
      const fetched = await fetch('data:text/plain,hi')
      for (const r of [light, fetched, Response.error(), Response.redirect('http://127.0.0.1/', 302), Response.json({})]) {
        assert.ok(r instanceof Response)
      }
      assert.equal(({}) instanceof Response, false)
      assert.equal(LightResponse.is(light), true)
      assert.equal(LightResponse.is(fetched), false)
    } finally {
      globalThis.Response = saved
    }
  })
})
