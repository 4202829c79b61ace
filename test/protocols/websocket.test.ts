import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fixture, startCorral } from '../support/corral.js'
import { openSocket } from '../support/ws-client.js'

const pidOf = (greeting: string) => Number(/(\d+)/.exec(greeting)![1])

describe('WebSockets', () => {
  it('a fetch handler accepts sockets with ctx.upgradeWebSocket: echo, binary, a chosen subprotocol, a refusal with its own Response', async (t) => {
    const server = await startCorral(t, fixture('protocols-app.ts'), { args: ['--workers', '1', '--access-log', '-'] })
    const ws = server.url.replace('http:', 'ws:')
    const echo = await openSocket(t, `${ws}/echo`)
    assert.match(echo.first, /^hello from \d+ over http$/)
    echo.ws.send('a text message')
    assert.equal(await echo.next(), 'a text message')
    echo.ws.send(Buffer.alloc(300, 7))
    assert.equal(await echo.next(), '<300 bytes>')

    const chat = await openSocket(t, `${ws}/chat`, ['chat.v1', 'chat.v2'])
    assert.equal(chat.first, 'protocol chat.v2')
    assert.equal(chat.ws.protocol, 'chat.v2')

    await assert.rejects(openSocket(t, `${ws}/refused`), (err: Error & { status?: number; headers?: Record<string, string> }) =>
      err.status === 403 && err.headers?.['x-why'] === 'test' && /no sockets for you/.test(err.message))
    await assert.rejects(openSocket(t, `${ws}/throws`), (err: Error & { status?: number }) => err.status === 500)
    await server.waitFor(/CORRAL_ERR_HANDLER: the app threw while handling an upgrade request/)
    assert.match(await (await fetch(`${server.url}/plain`)).text(), /^plain \/plain \d+$/, 'plain requests are served as before')

    echo.ws.close(1000)
    assert.deepEqual(await echo.closed, { code: 1000, reason: '' })
    await server.waitFor(/"GET \/echo HTTP\/1\.1" 101 /)
    await server.waitFor(/"GET \/refused HTTP\/1\.1" 403 /)
    await server.stop()
  })

  it('broadcasts within a worker to every socket in a room', async (t) => {
    const server = await startCorral(t, fixture('protocols-app.ts'), { args: ['--workers', '1'] })
    const ws = server.url.replace('http:', 'ws:')
    const members = await Promise.all(['ann', 'bob', 'cat'].map((name) => openSocket(t, `${ws}/room?name=${name}`)))
    assert.equal(new Set(members.map((m) => pidOf(m.first))).size, 1, 'one worker holds them all')
    members[1].ws.send('hi all')
    assert.deepEqual(await Promise.all(members.map((m) => m.next())), ['bob: hi all', 'bob: hi all', 'bob: hi all'])
    await server.stop()
  })

  it('a Node listener app (Express) takes upgrades through its `upgrade` export, with the ws library unchanged', async (t) => {
    const server = await startCorral(t, `${fixture('express-ws-app.ts')}:app`, { args: ['--workers', '1'] })
    const ws = server.url.replace('http:', 'ws:')
    const a = await openSocket(t, `${ws}/all`)
    const b = await openSocket(t, `${ws}/all`)
    assert.match(a.first, /^express socket \d+ \/all$/)
    a.ws.send('to everyone')
    assert.deepEqual([await a.next(), await b.next()], ['all: to everyone', 'all: to everyone'])
    const echo = await openSocket(t, `${ws}/echo`)
    echo.ws.send('x')
    assert.equal(await echo.next(), 'echo: x')
    assert.match(await (await fetch(server.url)).text(), /^express \d+$/)
    // The app's own sockets are closed with 1001 when the worker drains, as corral's are.
    server.child.kill('SIGTERM')
    for (const s of [a, b, echo]) assert.deepEqual(await s.closed, { code: 1001, reason: 'server going away' })
    assert.equal((await server.exited).code, 0)
  })

  it('a Fastify app gets its upgrades through @fastify/websocket, unchanged', async (t) => {
    const server = await startCorral(t, fixture('fastify-ws-app.ts'), { args: ['--workers', '1'] })
    const socket = await openSocket(t, `${server.url.replace('http:', 'ws:')}/ws?name=fay`)
    assert.equal(socket.first, 'fastify socket fay')
    socket.ws.send('over fastify')
    assert.equal(await socket.next(), 'echo: over fastify')
    assert.equal(await (await fetch(server.url)).text(), 'fastify hello')
    await server.stop()
  })

  it('a Hono app accepts sockets with upgradeWebSocket from corral/hono', async (t) => {
    const server = await startCorral(t, fixture('hono-ws-app.ts'), { args: ['--workers', '1'] })
    const socket = await openSocket(t, `${server.url.replace('http:', 'ws:')}/ws?name=zed`)
    assert.equal(socket.first, 'hono socket zed')
    socket.ws.send('hey')
    assert.equal(await socket.next(), 'echo: hey')
    socket.ws.send(new Uint8Array(5))
    assert.equal(await socket.next(), 'binary 5')
    const plain = await fetch(`${server.url}/ws`)
    assert.equal(plain.status, 426, 'a plain request to the route falls through to the next handler')
    await server.stop()
  })

  it('keeps to the limits: message size (1009), ping timeout for a silent peer, and connections counted against --worker-connections', async (t) => {
    const server = await startCorral(t, fixture('protocols-app.ts'), {
      args: ['--workers', '1', '--worker-connections', '2', '--ws-max-size', '1kb', '--ws-ping-interval', '200ms', '--ws-ping-timeout', '1500ms'],
    })
    const ws = server.url.replace('http:', 'ws:')
    const alive = await openSocket(t, `${ws}/echo`)
    let pings = 0
    alive.ws.on('ping', () => { pings++ })
    const silent = await openSocket(t, `${ws}/echo`, undefined, { autoPong: false })

    await assert.rejects(openSocket(t, `${ws}/echo`), (err: Error & { status?: number }) => err.status === 503 && /limit of 2/.test(err.message))
    assert.equal((await fetch(server.url)).status, 503, 'two open sockets fill a worker with --worker-connections 2')

    const gone = await silent.closed
    assert.equal(gone.code, 1006, 'a peer that answers no ping is cut')
    assert.ok(pings >= 1, 'the live socket was pinged while silent')
    assert.equal(alive.ws.readyState, alive.ws.OPEN, 'a peer that answers pings stays')

    alive.ws.send('x'.repeat(2048))
    assert.equal((await alive.closed).code, 1009)
    const again = await openSocket(t, `${ws}/echo`)
    assert.match(again.first, /^hello from/, 'closed sockets give their slots back')
    assert.equal(pidOf(again.first), pidOf(alive.first), 'the same worker serves on')
    await server.stop()
  })

  it('on reload every open socket gets a close frame with 1001 and its client reconnects to a new worker; SIGTERM closes them the same way', async (t) => {
    const server = await startCorral(t, fixture('protocols-app.ts'), { args: ['--workers', '2'] })
    const ws = server.url.replace('http:', 'ws:')
    const before = await Promise.all([1, 2, 3, 4].map(() => openSocket(t, `${ws}/echo`)))
    const oldPids = new Set(before.map((s) => pidOf(s.first)))
    process.kill(server.child.pid!, 'SIGHUP')
    for (const s of before) assert.deepEqual(await s.closed, { code: 1001, reason: 'server going away' })
    await server.waitFor(/Reload done: generation 2 serving/)
    const after = await Promise.all([1, 2, 3, 4].map(() => openSocket(t, `${ws}/echo`)))
    for (const s of after) assert.ok(!oldPids.has(pidOf(s.first)), 'reconnected to a worker of the new generation')
    after[0].ws.send('still here')
    assert.equal(await after[0].next(), 'still here')

    const stopping = Date.now()
    server.child.kill('SIGTERM')
    for (const s of after) assert.deepEqual(await s.closed, { code: 1001, reason: 'server going away' })
    assert.equal((await server.exited).code, 0)
    assert.ok(Date.now() - stopping < 10_000, 'the stop did not wait for --graceful-timeout')
  })
})
