/**
 * A master killed with SIGKILL leaves no worker behind, and the requests its workers were serving
 * are answered. Nobody is left to stop the workers: each sees its IPC channel close, drains what it
 * holds, and exits on its own, by --graceful-timeout + 1 s at the latest even when a request would
 * run on for longer (worker.ts, 'disconnect'). Node's cluster worker would exit at once instead,
 * cutting every request in flight; a worker that lingered would keep serving with nobody
 * supervising it, and hold whatever it inherited (the pipes of the master's parent).
 *
 * The evidence is the processes themselves: each worker's pid is read from /status before the kill
 * and polled with signal 0 after it, for a bound far below the request that would hold it.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { fixture, startCorral, type Running } from '../support/corral.js'

const alive = (pid: number) => {
  try { process.kill(pid, 0); return true } catch { return false }
}

const workerPids = async (admin: string) =>
  ((await (await fetch(`${admin}/status`)).json()) as { workers: { pid: number }[] }).workers.map((w) => w.pid)

/** A request sent on a connection of its own; resolves with what came back once the connection closes. */
function held(port: number, path: string): { sent: Promise<void>; closed: Promise<string> } {
  const socket = connect(port, '127.0.0.1')
  let got = ''
  const sent = new Promise<void>((resolve) => socket.on('connect', () => { socket.write(`GET ${path} HTTP/1.1\r\nHost: orphan\r\n\r\n`); resolve() }))
  socket.on('data', (d) => { got += d })
  const closed = new Promise<string>((resolve) => {
    socket.on('error', () => {})
    socket.on('close', () => resolve(got.split('\r\n', 1)[0] || 'closed without an answer'))
  })
  return { sent, closed }
}

/** GET on a connection of its own (the master hands each connection to the next worker): the body. */
function getOnce(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: orphan\r\nConnection: close\r\n\r\n`))
    let got = ''
    socket.on('data', (d) => { got += d })
    socket.on('error', reject)
    socket.on('close', () => resolve(got.slice(got.indexOf('\r\n\r\n') + 4)))
  })
}

/** Kill the master and wait (polling the pids, within `boundMs`) until none of `pids` lives. */
async function killMasterAndWait(server: Running, pids: number[], boundMs: number): Promise<number[]> {
  server.child.kill('SIGKILL')
  await server.exited
  const end = Date.now() + boundMs
  while (pids.some(alive) && Date.now() < end) await sleep(100)
  return pids.filter(alive)
}

describe('a master killed with SIGKILL', () => {
  it('leaves no worker: it finishes the requests in flight, and exits by --graceful-timeout + 1 s even with one that would run for a minute', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--graceful-timeout', '2s'] })
    const pids = await workerPids(server.admin)
    assert.equal(pids.length, 1)
    t.after(() => { for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL') })
    const short = held(server.port, '/slow?ms=1500')
    const long = held(server.port, '/slow?ms=60000')
    await Promise.all([short.sent, long.sent])
    // Evidence both run: the worker has had two requests in flight at once.
    let running = false
    for (let i = 0; i < 100 && !running; i++) {
      running = (JSON.parse(await getOnce(server.port, '/stats')) as { maxInFlight: number }).maxInFlight >= 2
      if (!running) await sleep(50)
    }
    assert.ok(running, 'the two slow requests never ran together')
    const left = await killMasterAndWait(server, pids, 15_000)
    assert.deepEqual(left, [], `a worker still alive 15 s after its master was killed: ${left.join(', ')}`)
    assert.equal(await short.closed, 'HTTP/1.1 200 OK', 'the request that ends within --graceful-timeout is answered')
    assert.equal(await long.closed, 'closed without an answer', 'the minute-long request is cut when the worker gives up')
    assert.match(server.output(), /the arbiter went away; finishing the requests in flight, then exiting/)
  })

  it('in the middle of a burst (--burst-intake), leaves no worker either', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--burst-intake', '--graceful-timeout', '2s'] })
    const pids = await workerPids(server.admin)
    t.after(() => { for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL') })
    // The worker's loop is blocked, so the connections after it wait in the master's line and a burst begins.
    const spin = held(server.port, '/spin?ms=1500')
    await spin.sent
    const waiting = Array.from({ length: 300 }, () => held(server.port, '/pid'))
    await server.waitFor(/Burst: \d+ connections wait for a worker/)
    const left = await killMasterAndWait(server, pids, 15_000)
    assert.deepEqual(left, [], `the worker still alive 15 s after its master was killed mid-burst: ${left.join(', ')}`)
    // Every connection ends: answered, or closed with the worker that held it.
    await Promise.all([spin.closed, ...waiting.map((w) => w.closed)])
  })
})
