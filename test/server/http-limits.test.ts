import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { fixture, startCorral } from '../support/corral.js'

/** Send raw bytes and read until the server closes the connection (or 3 s pass). */
function raw(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let out = ''
    socket.on('data', (d) => { out += d })
    socket.on('close', () => resolve(out))
    socket.on('error', (err) => (out ? resolve(out) : reject(err)))
    socket.setTimeout(3000, () => socket.destroy())
    socket.end(payload)
  })
}

const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1])

describe('request limits and malformed requests', () => {
  it('answers 414, 431, 413 and 400 with the connection closed, and the worker serves on', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--max-body-size', '1kb'] })
    const p = server.port
    const longLine = `GET /${'a'.repeat(5000)} HTTP/1.1\r\nHost: x\r\n\r\n`
    assert.equal(statusOf(await raw(p, longLine)), 414)
    const veryLongLine = `GET /${'a'.repeat(900_000)} HTTP/1.1\r\nHost: x\r\n\r\n`
    assert.equal(statusOf(await raw(p, veryLongLine)), 414, 'a request line past the parser buffer is still a 414')
    const manyFields = `GET / HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 101 }, (_, i) => `X-F${i}: v`).join('\r\n')}\r\n\r\n`
    assert.equal(statusOf(await raw(p, manyFields)), 431)
    const bigField = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(9000)}\r\n\r\n`
    assert.equal(statusOf(await raw(p, bigField)), 431)
    const bigBody = `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n${'c'.repeat(2000)}`
    assert.equal(statusOf(await raw(p, bigBody)), 413)
    const chunk = 'd'.repeat(600)
    const bigChunked = `POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n${chunk}\r\n258\r\n${chunk}\r\n0\r\n\r\n`
    assert.equal(statusOf(await raw(p, bigChunked)), 413, 'a chunked body is counted as it arrives')
    assert.equal(statusOf(await raw(p, 'GARBAGE\r\n\r\n')), 400)
    assert.equal(statusOf(await raw(p, 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n')), 400, 'duplicate Host')
    assert.equal(statusOf(await raw(p, 'POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')), 400, 'chunked on HTTP/1.0')
    const closed = await raw(p, longLine + 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    assert.equal(closed.match(/HTTP\/1\.1/g)?.length, 1, 'the connection closes after the rejection; the pipelined request is not served')
    const ok = await fetch(server.url + '/echo', { method: 'POST', body: 'small' })
    assert.equal(await ok.text(), 'small')
    const status = await (await fetch(server.admin + '/status')).json() as any
    assert.equal(status.workers[0].id, 1, 'still the first worker: none of this crashed it')
    await server.stop()
  })

  it('never starts a request pipelined behind a refused one on the connection the refusal closes', async (t) => {
    // Found by the fuzzer (seed 3): the app read the body of a request parsed behind a refusal, the
    // connection closed after the refusal, and the app's read failed as a handler error.
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1'] })
    const answer = await raw(server.port, 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\nGET /slow?ms=60000 HTTP/1.1\r\nHost: x\r\n\r\n')
    assert.equal(answer.match(/HTTP\/1\.1 \d+/g)?.join(), 'HTTP/1.1 400')
    // The pipelined request is parsed from the same packet as the refused one, before the refusal is
    // written: had it started, /slow would have counted it by the time the connection closed.
    const stats = await (await fetch(server.url + '/stats')).json() as { maxInFlight: number; aborted: number }
    assert.deepEqual({ maxInFlight: stats.maxInFlight, aborted: stats.aborted }, { maxInFlight: 0, aborted: 0 })
    await server.stop()
  })

  it('drops X-Forwarded-For from peers not in --forwarded-allow-ips and believes it from those that are', async (t) => {
    const untrusting = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--forwarded-allow-ips', '10.9.9.9'] })
    const spoofed = await (await fetch(untrusting.url + '/ctx', { headers: { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https' } })).json() as any
    assert.equal(spoofed.clientIp, '127.0.0.1')
    assert.equal(spoofed.protocol, 'http')
    await untrusting.stop()
    const trusting = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1'] })
    const proxied = await (await fetch(trusting.url + '/ctx', { headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' } })).json() as any
    assert.equal(proxied.clientIp, '203.0.113.7')
    assert.equal(proxied.protocol, 'https')
    await trusting.stop()
  })
})
