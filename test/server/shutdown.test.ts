import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fixture, nodeLines, startCorral, type Running } from '../support/corral.js'
import { connectedRequest } from '../support/connected-request.js'
import { total, until } from '../support/metrics.js'
import { acceptQueueOn } from '../../src/net/listen-queue.js'

/** A GET over a keep-alive agent-less socket, returning status, the Connection header and body. */
function get(url: string): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { connection: 'keep-alive' } }, (res) => {
      let body = ''
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('stopping the server', () => {
  it('on SIGTERM answers every accepted request, closes with Connection: close, flips /readyz first, and exits 0', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '2'] })
    assert.equal((await fetch(server.admin + '/readyz')).status, 200)
    const inFlight = Array.from({ length: 40 }, () => get(server.url + '/slow?ms=3000'))
    // Evidence, not a guess: the workers say all 40 are in their handlers before the signal goes.
    await inFlightReach(server, 40)
    server.child.kill('SIGTERM')
    await server.waitFor(/Shutting down: draining workers/)
    // The admin port stays up while workers drain (the slow requests hold them for a second more).
    const ready = await fetch(server.admin + '/readyz')
    assert.equal(ready.status, 503, 'not ready as soon as SIGTERM arrives')
    assert.equal(await ready.text(), 'stopping\n')
    const results = await Promise.all(inFlight)
    for (const r of results) {
      assert.equal(r.status, 200)
      assert.equal(r.body, 'slept 3000')
      assert.equal(r.connection, 'close')
    }
    const { code } = await server.exited
    assert.equal(code, 0)
    assert.match(server.output(), /Shutdown complete/)
    // The watchdog thread's inspector session to the main thread is gone before a worker exits.
    assert.doesNotMatch(server.output(), /Waiting for the debugger/)
  })

  it('kills requests still running after --graceful-timeout, and still exits', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--graceful-timeout', '1'] })
    const straggler = get(server.url + '/slow?ms=20000').catch((err: Error) => err)
    await inFlightReach(server, 1)
    const started = Date.now()
    server.child.kill('SIGTERM')
    const { code } = await server.exited
    assert.ok(Date.now() - started < 10_000, 'stopped well before the straggler would have finished')
    assert.equal(code, 0)
    assert.ok((await straggler) instanceof Error, 'the straggler was cut off')
    assert.match(server.output(), /graceful timeout; killing it/)
  })

  it('on SIGINT stops at once without waiting for requests in flight', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1'] })
    const slow = get(server.url + '/slow?ms=20000').catch((err: Error) => err)
    await inFlightReach(server, 1)
    const started = Date.now()
    server.child.kill('SIGINT')
    const { code } = await server.exited
    assert.equal(code, 0)
    assert.ok(Date.now() - started < 5000)
    assert.ok((await slow) instanceof Error)
    assert.doesNotMatch(server.output(), /Waiting for the debugger/)
  })

  it('stops cleanly on SIGTERM while workers are still booting, and ignores scaling signals until ready', async (t) => {
    const server = await startCorral(t, fixture('slow-boot.ts'), { args: ['--workers', '2'], noWait: true })
    await server.waitFor(/Booting worker 2/)
    server.child.kill('SIGTTIN')
    await server.waitFor(/scaling ignored: still booting/)
    const started = Date.now()
    server.child.kill('SIGTERM')
    const { code } = await server.exited
    assert.equal(code, 0)
    assert.ok(Date.now() - started < 4000, 'did not wait for the boot to finish')
    assert.match(server.output(), /Shutting down during boot/)
    assert.doesNotMatch(server.output(), /CORRAL_ERR_WORKER_BOOT/)
  })

  it('a worker that says ready after a stop during boot began does not make the master serve or replace the stopped workers', async (t) => {
    const gate = join(mkdtempSync(join(tmpdir(), 'late-ready-')), 'open')
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--config', fixture('late-ready.config.ts')], env: { READY_GATE: gate }, noWait: true })
    await server.waitFor(/worker 2 holds its ready/)
    server.child.kill('SIGTERM')
    await server.waitFor(/Shutting down during boot/)
    writeFileSync(gate, '')
    const { code } = await server.exited
    assert.equal(code, 0)
    const out = server.output()
    assert.match(out, /Worker 2 \(pid: \d+\) exited: stop/, 'worker 2 was stopped')
    // Before the fix the arbiter marked itself running when the late ready came, then replaced
    // both stopped workers, logged that it listened and called whenReady.
    assert.doesNotMatch(out, /Booting worker 3/)
    assert.doesNotMatch(out, /Listening at:/)
  })
})

/** Until the workers report `n` requests in their handlers (corral_http_requests_in_flight, from /metrics). */
const inFlightReach = (server: Running, n: number) =>
  until(server.admin, `${n} requests in flight`, (s) => total(s, 'corral_http_requests_in_flight') >= n, 60_000)

const queued = (port: number) => acceptQueueOn(new Set([port]))

/** Polls the kernel (evidence, not a guess) until `count` connections wait in the accept queue. */
async function untilQueued(port: number, count: number): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (queued(port) >= count) return
    await sleep(10)
  }
  assert.fail(`the accept queue of port ${port} never held ${count} connections (it holds ${queued(port)})`)
}

const workerPids = async (server: Running): Promise<number[]> =>
  ((await (await fetch(server.admin + '/status')).json()) as { workers: { pid: number }[] }).workers.map((w) => w.pid)

/**
 * A stopped process accepts nothing, so connections made while the acceptor is stopped provably
 * wait in the kernel's accept queue when SIGTERM arrives: exactly the connections a stop used to
 * reset. Every one must be answered. Linux only (the queue is read from /proc/net/tcp).
 */
describe('connections waiting in the listen queue when a stop begins', { skip: process.platform !== 'linux' && 'reads /proc/net/tcp' }, () => {
  const N = 30
  async function stopWithQueued(t: import('node:test').TestContext, server: Running, acceptors: number[], signalGroup: boolean) {
    for (const pid of acceptors) process.kill(pid, 'SIGSTOP')
    t.after(() => { for (const pid of acceptors) try { process.kill(pid, 'SIGCONT') } catch { /* gone */ } })
    const requests = Array.from({ length: N }, () => connectedRequest(server.url + '/slow?ms=50'))
    await Promise.all(requests.map((r) => r.connected))
    await untilQueued(server.port, N)
    process.kill(signalGroup ? -server.child.pid! : server.child.pid!, 'SIGTERM')
    for (const pid of acceptors) process.kill(pid, 'SIGCONT')
    const answers = await Promise.all(requests.map((r) => r.answer))
    assert.deepEqual(answers.map((a) => (a instanceof Error ? `${a.message}` : a.status)), Array(N).fill(200), server.output())
    for (const a of answers) assert.equal((a as { body: string }).body, 'slept 50')
    const { code } = await server.exited
    assert.equal(code, 0, server.output())
  }

  for (const group of [true, false]) {
    it(`answers every one when SIGTERM reaches ${group ? 'the whole process group (systemd, timeout, kill -TERM -PGID)' : 'the master'}`, async (t) => {
      const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '2'], processGroup: true })
      // Round-robin balance: the master holds the listening socket and accepts.
      await stopWithQueued(t, server, [server.child.pid!], group)
    })
  }

  for (const line of nodeLines) {
    it(`answers every one with --balance reuseport on ${line.name}, where each worker holds a listen queue of its own`, { skip: line.skip }, async (t) => {
      const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '2', '--balance', 'reuseport'], processGroup: true, node: line.node })
      await stopWithQueued(t, server, await workerPids(server), true)
    })
  }
})
