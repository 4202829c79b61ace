/**
 * Slow clients past the headers: a body sent too slowly (--body-timeout, --body-min-rate) and a
 * response taken too slowly (--send-timeout) are cut while the worker serves others. Real sockets;
 * the evidence is the server's answer (408), its closing the connection, and its log.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { fixture, startCorral } from '../support/corral.js'
import { statusUntil } from '../support/status.js'

/** A connection that keeps what it receives, and says when the server closed it. */
function open(port: number): { socket: Socket; received: () => string; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1')
  let text = ''
  socket.setEncoding('latin1')
  socket.on('data', (d: string) => { text += d })
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return { socket, received: () => text, closed }
}

/** Resolve when `promise` does, or fail the test after `ms` (a bound, not a measurement). */
const within = <T>(promise: Promise<T>, ms: number, what: string) => Promise.race([
  promise,
  new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms: ${what}`)), ms).unref()),
])

describe('slow clients', () => {
  it('answers 408 to a request body that stops coming (--body-timeout), serving others meanwhile', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--body-timeout', '2s', '--body-min-rate', '0'] })
    const slow = open(server.port)
    await once(slow.socket, 'connect')
    slow.socket.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nonly the first bytes')
    // The body is in the app's hands (it awaits the rest): the worker shows the request in flight.
    await statusUntil<{ workers: { inFlight: number }[] }>(server.admin, 'the upload to show in flight', (st) => st.workers[0]?.inFlight >= 1, 30_000)
    const other = await fetch(server.url + '/')
    assert.equal(other.status, 200, 'another client is served while the upload hangs')
    await within(slow.closed, 30_000, 'the stalled upload to be cut')
    assert.match(slow.received(), /^HTTP\/1\.1 408 /)
    assert.match(slow.received(), /request body arrived too slowly/)
    await server.waitFor(/CORRAL_SLOW_CLIENT: closed 1 connection\(s\) of clients too slow sending a request body \(--body-timeout\)/)
    assert.equal((await fetch(server.url + '/')).status, 200)
    await server.stop()
  })

  it('cuts a trickled body under --body-min-rate, and takes a body sent at a fair rate', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--body-timeout', '2s', '--body-min-rate', '1kb'] })
    // 300 KB at once: far more than 2 s of --body-min-rate would need, and it comes as fast as the machine allows.
    const big = 'b'.repeat(300_000)
    const fair = await fetch(server.url + '/echo', { method: 'POST', body: big })
    assert.equal((await fair.text()).length, big.length)
    const trickle = open(server.port)
    await once(trickle.socket, 'connect')
    trickle.socket.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n')
    // 10 bytes every 100 ms is 100 B/s, a tenth of the minimum rate: the load, not a clock for the assertion.
    const drip = setInterval(() => { if (!trickle.socket.destroyed) trickle.socket.write('0123456789') }, 100)
    try {
      await within(trickle.closed, 30_000, 'the trickle to be cut')
    } finally {
      clearInterval(drip)
    }
    assert.match(trickle.received(), /^HTTP\/1\.1 408 /)
    await server.stop()
  })

  it('closes the connection of a client that reads none of a large response (--send-timeout), serving others meanwhile', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--send-timeout', '3s'] })
    const fast = await fetch(server.url + '/big?mb=16')
    assert.equal((await fast.arrayBuffer()).byteLength, 16 * 1024 * 1024, 'a client that reads gets the whole response')
    const stalled = open(server.port)
    await once(stalled.socket, 'connect')
    stalled.socket.write('GET /big?mb=64 HTTP/1.1\r\nHost: x\r\n\r\n')
    stalled.socket.pause()
    const other = await fetch(server.url + '/')
    assert.equal(other.status, 200, 'another client is served while the reader stalls')
    await server.waitFor(/CORRAL_SLOW_CLIENT: closed 1 connection\(s\) of clients too slow reading a response \(--send-timeout\)/, 60_000)
    // Now read what the kernel holds: the connection ends long before the 64 MB.
    stalled.socket.resume()
    await within(stalled.closed, 30_000, 'the stalled reader to see its connection end')
    assert.ok(stalled.received().length < 64 * 1024 * 1024, `got ${stalled.received().length} bytes of 64 MB`)
    assert.equal((await fetch(server.url + '/')).status, 200)
    const status = await (await fetch(server.admin + '/status')).json() as { workers: { id: number }[] }
    assert.equal(status.workers[0].id, 1, 'the same worker throughout')
    await server.stop()
  })
})
