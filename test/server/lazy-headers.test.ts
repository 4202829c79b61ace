/**
 * A fetch handler's request.headers is a LazyHeaders: get and has read the message's rawHeaders,
 * anything else builds the real Headers. What the app sees must be what a real Headers built from
 * the same message shows: compared here on messages a real node:http server parsed from a socket
 * (repeated headers, odd case, set-cookie), and through the request the adapter hands a handler.
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type IncomingMessage } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { LazyHeaders } from '../../src/app/lazy-headers.js'
import { lazyRequest } from '../../src/app/lazy-request.js'
import type { RequestContext } from '../../src/app/types.js'

const RAW_REQUEST = [
  'GET /p?q=1 HTTP/1.1',
  'Host: 127.0.0.1',
  'X-User-Id: 42',
  'x-multi: a',
  'X-MULTI: b',
  'Cookie: c=1',
  'Set-Cookie: s=1',
  'set-cookie: t=2',
  'Accept:  */*  ',
  '', '',
].join('\r\n')

/** The IncomingMessage a real node:http server makes of RAW_REQUEST. */
async function parsed(): Promise<IncomingMessage> {
  let seen: IncomingMessage | undefined
  const server = createServer((req, res) => { seen = req; res.end() }).listen(0, '127.0.0.1')
  await once(server, 'listening')
  try {
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1')
    socket.end(RAW_REQUEST)
    socket.resume()
    await once(socket, 'close')
  } finally { server.close() }
  assert.ok(seen, 'the server saw the request')
  return seen
}

function real(raw: string[]): Headers {
  const h = new Headers()
  for (let i = 0; i < raw.length; i += 2) h.append(raw[i]!, raw[i + 1]!)
  return h
}

const names = ['x-user-id', 'X-User-Id', 'X-MULTI', 'x-multi', 'set-cookie', 'cookie', 'accept', 'host', 'absent', 'X-Absent']

describe('lazy request headers', () => {
  it('answer get and has as a real Headers does, and are instances of Headers', async () => {
    const req = await parsed()
    const lazy = new LazyHeaders(req.rawHeaders) as unknown as Headers
    const full = real(req.rawHeaders)
    assert.ok(lazy instanceof Headers)
    assert.equal(Object.prototype.toString.call(lazy), '[object Headers]')
    for (const n of names) {
      assert.equal(lazy.get(n), full.get(n), `get(${n})`)
      assert.equal(lazy.has(n), full.has(n), `has(${n})`)
    }
    assert.equal(lazy.get('x-multi'), 'a, b')
  })

  it('throw as a real Headers does for a name that is no token', async () => {
    const req = await parsed()
    const lazy = new LazyHeaders(req.rawHeaders) as unknown as Headers
    for (const bad of ['bad name', 'x:y', '']) {
      assert.throws(() => real(req.rawHeaders).get(bad), TypeError)
      assert.throws(() => lazy.get(bad), TypeError, `get(${JSON.stringify(bad)})`)
      assert.throws(() => lazy.has(bad), TypeError, `has(${JSON.stringify(bad)})`)
    }
  })

  it('iterate, change and give set-cookie as a real Headers does, and lookups see the changes', async () => {
    const req = await parsed()
    const lazy = new LazyHeaders(req.rawHeaders) as unknown as Headers
    const full = real(req.rawHeaders)
    assert.deepEqual([...lazy], [...full])
    assert.deepEqual([...lazy.entries()], [...full.entries()])
    assert.deepEqual([...lazy.keys()], [...full.keys()])
    assert.deepEqual([...lazy.values()], [...full.values()])
    assert.deepEqual(lazy.getSetCookie(), full.getSetCookie())
    const seen: [string, string, unknown, unknown][] = []
    const self = {}
    lazy.forEach(function (this: unknown, value, key, parent) { seen.push([key, value, parent, this]) }, self)
    assert.deepEqual(seen.map(([k, v]) => [k, v]), [...full])
    assert.ok(seen.every(([, , parent, thisArg]) => parent === lazy && thisArg === self))

    for (const h of [lazy, full]) {
      h.set('X-User-Id', '7')
      h.append('x-new', 'n')
      h.delete('cookie')
    }
    for (const n of [...names, 'x-new']) assert.equal(lazy.get(n), full.get(n), `after changes, get(${n})`)
    assert.deepEqual([...lazy], [...full])
  })

  it('are what a fetch handler reads, and go into the real Request with the changes made to them', async () => {
    const req = await parsed()
    const ctx = { protocol: 'http', signal: new AbortController().signal } as unknown as RequestContext
    const request = lazyRequest(req, ctx)
    assert.equal(request.headers.get('x-user-id'), '42')
    request.headers.set('x-added', 'yes')
    const body = request.body // builds the real Request
    assert.equal(body, null)
    assert.equal(request.headers.get('x-added'), 'yes')
    assert.equal(request.headers.get('x-multi'), 'a, b')
    assert.ok(!(request.headers instanceof LazyHeaders), 'the real Request has real headers')
  })
})
