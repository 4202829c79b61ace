import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync, rmSync } from 'node:fs'
import { promisify } from 'node:util'
import { fixture, runCli, startCorral } from '../support/corral.js'
import { makeCerts } from '../support/certs.js'
import { h2Request, h2Session } from '../support/h2-client.js'
import { openSocket } from '../support/ws-client.js'

const certs = makeCerts()
const tlsArgs = ['--certfile', certs.server.cert, '--keyfile', certs.server.key]
const run = promisify(execFile)

/** curl's body and the HTTP version it used, as `-w` prints it after the body. */
async function curl(args: string[]): Promise<{ body: string; version: string }> {
  const { stdout } = await run('curl', ['-sS', '--max-time', '10', '-w', '\n%{http_version}', ...args])
  const at = stdout.lastIndexOf('\n')
  return { body: stdout.slice(0, at), version: stdout.slice(at + 1) }
}

describe('HTTP/2', () => {
  after(() => rmSync(certs.dir, { recursive: true, force: true }))

  it('serves HTTP/2 over TLS to clients that offer it by ALPN, and HTTP/1.1 (and WebSockets) on the same port to those that do not', async (t) => {
    const server = await startCorral(t, fixture('protocols-app.ts'), {
      args: ['--workers', '1', ...tlsArgs, '--http2', '--access-log', '-', '--access-log-format', 'json'],
    })
    const https = server.url.replace('http:', 'https:')
    const session = h2Session(t, https, certs.ca.cert)
    const ctx = await h2Request(session, '/ctx')
    assert.equal(ctx.status, 200)
    const seen = JSON.parse(ctx.body)
    assert.equal(seen.protocol, 'https')
    assert.equal(seen.url, `${https}/ctx`)
    assert.equal(seen.host, `127.0.0.1:${server.port}`, 'Host is made from :authority')
    assert.equal(seen.clientIp, '127.0.0.1')
    const echoed = await h2Request(session, '/echo', { method: 'POST', body: 'a body over a stream' })
    assert.equal(echoed.body, 'a body over a stream')
    assert.equal(session.alpnProtocol, 'h2')

    const viaCurl2 = await curl(['--http2', '--cacert', certs.ca.cert, `${https}/hello`])
    assert.equal(viaCurl2.version, '2')
    assert.match(viaCurl2.body, /^plain \/hello \d+$/)
    const viaCurl1 = await curl(['--http1.1', '--cacert', certs.ca.cert, `${https}/hello`])
    assert.equal(viaCurl1.version, '1.1')
    assert.equal(viaCurl1.body, viaCurl2.body)

    const socket = await openSocket(t, `${https.replace('https:', 'wss:')}/echo`, undefined, { ca: readFileSync(certs.ca.cert) })
    assert.match(socket.first, /^hello from \d+ over https$/, 'a WebSocket opens over HTTP/1.1 beside HTTP/2')

    const line = await server.waitFor(/^\{.*"method":"POST","url":"\/echo".*\}$/m)
    const entry = JSON.parse(line)
    assert.equal(entry.protocol, 'HTTP/2.0')
    assert.equal(entry.scheme, 'https')
    assert.equal(entry.remote, '127.0.0.1', 'the peer is known after the stream has closed')
    assert.equal((await server.stop()).code, 0)
  })

  it('serves every app shape over HTTP/2 (h2c by prior knowledge, from node:http2 and curl), and HTTP/1.1 on the same port', async (t) => {
    const shapes = [
      ['a Node (req, res) listener', 'node-listener.ts', '/x?y=1', 'node listener GET /x?y=1'],
      ['a Fastify instance', 'fastify-app.ts', '/', 'fastify hello'],
      ['a Hono app', 'hono-app.ts', '/users/7', '{"id":"7","ua":"h2 test"}'],
      ['an async factory', 'factory-app.ts', '/', 'from a factory'],
    ] as const
    // Started together: each boot mostly waits on its worker's app import.
    const servers = await Promise.all(shapes.map(([, app]) => startCorral(t, fixture(app), { args: ['--workers', '1', '--h2c'], timeoutMs: 60_000 })))
    for (const [i, [shape, , path, body]] of shapes.entries()) {
      const server = servers[i]
      const answer = await h2Request(h2Session(t, server.url), path, { headers: { 'user-agent': 'h2 test' } })
      assert.equal(answer.status, 200, shape)
      assert.equal(answer.body, body, shape)
      assert.deepEqual(await curl(['--http2-prior-knowledge', '-A', 'h2 test', `${server.url}${path}`]), { body, version: '2' }, shape)
      const h1 = await fetch(`${server.url}${path}`, { headers: { 'user-agent': 'h2 test' } })
      assert.equal(await h1.text(), body, `${shape} over HTTP/1.1`)
    }
    await Promise.all(servers.map((server) => server.stop()))
  })

  it('refuses at startup to serve an Express app over HTTP/2, saying why', async () => {
    const r = await runCli(['check', `${fixture('express-app.ts')}:app`, '--h2c'])
    assert.equal(r.code, 4)
    assert.match(r.stderr, /CORRAL_ERR_HTTP2_APP|HTTP\/2 cannot serve app .*express-app\.ts:app: it replaces the request's prototype/)
  })

  it('keeps to the stream, header list and body limits, and closes a session idle past --keepalive with GOAWAY', async (t) => {
    const server = await startCorral(t, fixture('protocols-app.ts'), {
      args: ['--workers', '1', '--h2c', '--http2-max-concurrent-streams', '2', '--http2-max-header-list-size', '1kb', '--keepalive', '1', '--max-body-size', '1kb'],
    })
    const session = h2Session(t, server.url)
    const [settings] = await once(session, 'remoteSettings')
    assert.equal(settings.maxConcurrentStreams, 2)
    assert.equal(settings.maxHeaderListSize, 1024)
    const slow = await Promise.all([1, 2, 3].map(() => h2Request(session, '/slow?ms=300')))
    assert.deepEqual(slow.map((a) => a.body), ['slept 300', 'slept 300', 'slept 300'])
    const stats = JSON.parse((await h2Request(session, '/stats')).body)
    assert.equal(stats.maxInFlight, 2, 'never more than two streams at once')

    await assert.rejects(h2Request(session, '/ctx', { headers: { 'x-big': 'a'.repeat(2000) } }), /NGHTTP2_ENHANCE_YOUR_CALM/)
    const small = await h2Request(session, '/echo', { method: 'POST', body: 'b'.repeat(1000) })
    assert.equal(small.body.length, 1000)
    const large = await h2Request(session, '/echo', { method: 'POST', body: 'b'.repeat(5000) })
    assert.equal(large.status, 413, 'a body without Content-Length is counted as it streams')
    assert.equal((await h2Request(session, '/ctx')).status, 200, 'the session serves on')

    const [code] = await once(session, 'goaway')
    assert.equal(code, 0, 'an idle session is closed with GOAWAY NO_ERROR')
    await once(session, 'close')
    await server.stop()
  })

  it('on SIGTERM sends GOAWAY in two steps, finishes the streams in flight, then exits', async (t) => {
    const server = await startCorral(t, fixture('protocols-app.ts'), { args: ['--workers', '1', ...tlsArgs, '--http2'] })
    const session = h2Session(t, server.url.replace('http:', 'https:'), certs.ca.cert)
    const events: string[] = []
    const goaways: number[] = []
    const bothGoaways = new Promise<void>((resolve) => session.on('goaway', (code: number, lastStreamId: number) => {
      events.push(`goaway ${code}`)
      if (goaways.push(lastStreamId) === 2) resolve()
    }))
    // A request whose body the client is still sending: it is in flight for as long as the client wants.
    const stream = session.request({ ':path': '/held-echo', ':method': 'POST' })
    stream.write('sent before the stop, ')
    let body = ''
    stream.setEncoding('utf8')
    stream.on('data', (d) => { body += d })
    const answered = new Promise<void>((resolve) => stream.on('end', () => { events.push(`answer ${body}`); resolve() }))
    // The server's own word that the request is running before the stop begins.
    for (let stats = { inFlight: 0 }; stats.inFlight === 0;) stats = JSON.parse((await h2Request(session, '/stats')).body)
    server.child.kill('SIGTERM')
    await bothGoaways
    await assert.rejects(h2Request(session, '/ctx'), /ERR_HTTP2_(GOAWAY_SESSION|INVALID_SESSION)/, 'no new stream after GOAWAY')
    stream.end('and after it')
    await answered
    await once(session, 'close')
    assert.deepEqual(events, ['goaway 0', 'goaway 0', 'answer sent before the stop, and after it'])
    assert.equal(goaways[0], 2 ** 31 - 1, 'the first GOAWAY refuses no stream the client may have sent')
    assert.ok(goaways[1] >= 1 && goaways[1] < 2 ** 31 - 1, `the second names the last stream taken: ${goaways[1]}`)
    assert.equal((await server.exited).code, 0)
  })
})
