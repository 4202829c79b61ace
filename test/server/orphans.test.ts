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
import { setTimeout as sleep } from 'node:timers/promises'
import { fixture, startCorral, type Running } from '../support/corral.js'
import { connectedRequest, type Answer } from '../support/connected-request.js'
import { describeProcess, running as alive } from '../support/processes.js'

const workerPids = async (admin: string) =>
  ((await (await fetch(`${admin}/status`)).json()) as { workers: { pid: number }[] }).workers.map((w) => w.pid)

/** Kill the master and wait (polling the pids, within `boundMs`) until none of `pids` lives. */
async function killMasterAndWait(server: Running, pids: number[], boundMs: number): Promise<number[]> {
  server.child.kill('SIGKILL')
  await server.exited
  const end = Date.now() + boundMs
  while (pids.some(alive) && Date.now() < end) await sleep(100)
  return pids.filter(alive)
}

/** The assertion message when workers outlive their master: what each is doing, and what the server said. */
const leftBehind = (what: string, left: number[], server: Running) =>
  `${what}: ${left.map(describeProcess).join('; ')}\nthe server's output, last 3,000 characters:\n${server.output().slice(-3000)}`

describe('a master killed with SIGKILL', () => {
  it('leaves no worker: it finishes the requests in flight, and exits by --graceful-timeout + 1 s even with one that would run for a minute', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--graceful-timeout', '2s'] })
    const pids = await workerPids(server.admin)
    assert.equal(pids.length, 1)
    t.after(() => { for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL') })
    const short = connectedRequest(`${server.url}/slow?ms=1500`)
    const long = connectedRequest(`${server.url}/slow?ms=60000`)
    await Promise.all([short.connected, long.connected])
    // Evidence both run: the worker has had two requests in flight at once.
    let running = false
    for (let i = 0; i < 100 && !running; i++) {
      running = (JSON.parse(((await connectedRequest(`${server.url}/stats`).answer) as Answer).body) as { maxInFlight: number }).maxInFlight >= 2
      if (!running) await sleep(50)
    }
    assert.ok(running, 'the two slow requests never ran together')
    const left = await killMasterAndWait(server, pids, 15_000)
    assert.deepEqual(left, [], leftBehind('a worker still alive 15 s after its master was killed', left, server))
    assert.equal(((await short.answer) as Answer).status, 200, 'the request that ends within --graceful-timeout is answered')
    assert.ok((await long.answer) instanceof Error, 'the minute-long request is cut when the worker gives up')
    assert.match(server.output(), /the arbiter went away; finishing the requests in flight, then exiting/)
  })

  it('in the middle of a burst (--burst-intake), leaves no worker either', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--burst-intake', '--graceful-timeout', '2s'] })
    const pids = await workerPids(server.admin)
    t.after(() => { for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL') })
    // The worker's loop is blocked, so the connections after it wait in the master's line and a burst begins.
    const spin = connectedRequest(`${server.url}/spin?ms=1500`)
    await spin.connected
    const waiting = Array.from({ length: 300 }, () => connectedRequest(`${server.url}/pid`))
    await server.waitFor(/Burst: \d+ connections wait for a worker/)
    const left = await killMasterAndWait(server, pids, 15_000)
    assert.deepEqual(left, [], leftBehind('the worker still alive 15 s after its master was killed mid-burst', left, server))
    // Every connection ends: answered, or closed with the worker that held it.
    await Promise.all([spin.answer, ...waiting.map((w) => w.answer)])
  })

  it('killed while its worker waits for it to acknowledge a socket, leaves no worker either', async (t) => {
    // A burst starts with the worker sending the master a copy of the listening socket, and Node's
    // IPC channel emits no 'disconnect' when it closes while such a handle waits for the other
    // side's acknowledgement. Here the master is stopped, the worker sends it a socket, and then the
    // master is killed: the worker must notice that the channel closed all the same.
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--balance', 'shared', '--graceful-timeout', '2s'] })
    const pids = await workerPids(server.admin)
    t.after(() => { for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL') })
    server.child.kill('SIGSTOP')
    const sent = (await connectedRequest(`${server.url}/send-socket`).answer) as Answer
    assert.equal(sent.status, 200, `the worker could not send the socket: ${JSON.stringify(sent)}`)
    const left = await killMasterAndWait(server, pids, 15_000)
    assert.deepEqual(left, [], leftBehind('the worker still alive 15 s after its master was killed with a socket unacknowledged', left, server))
  })
})
