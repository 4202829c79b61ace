/**
 * Each worker's share of the connections (src/arbiter/share.ts): keep-alive clients stay with the
 * worker that took them, so connections opened at once must be split about evenly, even when one
 * worker's loop turns slowly and the other's is idle. Without the share the idle worker took most
 * of them (it turns its loop in microseconds). The split is read from the server: each connection
 * asks /pid and keeps its answer's worker.
 *
 * The busy worker's turns are 2 ms: a worker that leads waits at most 50 ms for the others, so the
 * test needs turns well inside that on a machine that is itself loaded (with 10 ms turns and two
 * other processes spinning on the 2 CPUs, the busy worker's turns outlasted the wait and it got a
 * tenth of the connections; with 2 ms turns it got 89-106 of 200 there).
 */
import { describe, it, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { fixture, startCorral, type Running } from '../support/corral.js'
import { parseResponses } from '../support/http-wire.js'
import { statusUntil } from '../support/status.js'

const CONNECTIONS = 200

/** A keep-alive connection that asks `path` once; resolves with the body, the socket left open. */
function askOpen(port: number, path: string): { socket: Socket; body: Promise<string> } {
  const socket = connect(port, '127.0.0.1')
  const body = new Promise<string>((resolve, reject) => {
    let got = ''
    socket.setTimeout(30_000, () => socket.destroy(new Error(`no answer to ${path} in 30 s`)))
    socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: share\r\n\r\n`))
    socket.on('error', reject)
    socket.on('close', () => reject(new Error(`closed before an answer to ${path}: ${JSON.stringify(got)}`)))
    socket.on('data', (d) => {
      got += d
      const [answer] = parseResponses(got).responses
      if (!answer) return
      assert.equal(answer.status, 200, got)
      socket.setTimeout(0)
      socket.removeAllListeners('close')
      resolve(answer.body)
    })
  })
  return { socket, body }
}

/** One worker kept busy in 2 ms turns (/busy), then CONNECTIONS opened at once: how many each worker took. */
async function split(server: Running): Promise<{ busy: string; counts: Map<string, number>; answeredAt: number }> {
  const first = askOpen(server.port, '/pid')
  const busy = await first.body
  // Its answer comes at once; the loop stays busy for 5 s after it.
  first.socket.write('GET /busy?ms=5000&turn=2 HTTP/1.1\r\nHost: share\r\n\r\n')
  const sockets: Socket[] = [first.socket]
  const answers: Promise<string>[] = []
  for (let i = 0; i < CONNECTIONS; i++) {
    const c = askOpen(server.port, '/pid')
    sockets.push(c.socket)
    answers.push(c.body)
  }
  try {
    const counts = new Map<string, number>()
    for (const pid of await Promise.all(answers)) counts.set(pid, (counts.get(pid) ?? 0) + 1)
    return { busy, counts, answeredAt: Date.now() }
  } finally {
    for (const s of sockets) s.destroy()
  }
}

interface PastHold { connections: number; copies: number | null; fromCopies: number | null }
interface Status { intake: { pastHold: PastHold }; workers: { connections: unknown; beatAt: number | null }[] }

/**
 * Each worker took at least 35% of the connections, less what the master says it gave the leader
 * after a hold ran out. share.ts lets a worker lead by 10 here (a tenth of the mean); a copy of the
 * socket in a burst holds up to 8 more. 70 of 200 is well outside what it allows, and well above what
 * the busy worker got without the share (28-46 of 200).
 *
 * A hold lasts 50 ms at most: the share must not hold the intake to a worker whose loop does not take
 * its turn. On a loaded machine (this test beside the others, two CPUs) the busy worker's turns
 * stretch, and once in a few runs its holds ran out before it caught up: it got 66 and 68 of 200. So
 * the bound is read from the server, not from how quiet the machine was: /status' intake.pastHold
 * has the connections the master handed a leader past a hold, and those the workers took from the
 * copies of the socket it sent one past a hold (their beats count them). Without the share there are
 * no holds and the bound stays 70.
 */
function assertEven(t: TestContext, busy: string, counts: Map<string, number>, pastHold: PastHold): void {
  const given = pastHold.connections + (pastHold.fromCopies ?? 0)
  const shares = `${JSON.stringify([...counts])} (pid ${busy} was busy; past a hold the leader was given ${JSON.stringify(pastHold)})`
  t.diagnostic(shares)
  assert.equal(counts.size, 2, shares)
  for (const n of counts.values()) assert.ok(n >= CONNECTIONS * 0.35 - given, shares)
}

/**
 * /status once every worker has beaten since `after`: a worker counts what it takes from a copy as it
 * accepts, and the beat it sends after answering its last connection carries the whole count.
 */
const statusAfter = (server: Running, after: number): Promise<Status> =>
  statusUntil<Status>(server.admin, 'a beat from every worker after the split', (s) => s.workers.every((w) => w.beatAt !== null && w.beatAt > after))

describe('connections opened at once', () => {
  it('are split about evenly between a busy worker and an idle one during a burst (the default)', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '2'] })
    const { busy, counts, answeredAt } = await split(server)
    const status = await statusAfter(server, answeredAt)
    assertEven(t, busy, counts, status.intake.pastHold)
    // /status shows what each worker holds, as its beats report it.
    for (const w of status.workers) assert.equal(typeof w.connections, 'number', JSON.stringify(status.workers))
  })

  it('are split about evenly by the round-robin hand-off too (--no-burst-intake)', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '2', '--no-burst-intake'] })
    const { busy, counts, answeredAt } = await split(server)
    const { intake } = await statusAfter(server, answeredAt)
    assert.equal(intake.pastHold.copies, null)
    assert.equal(intake.pastHold.fromCopies, null)
    assertEven(t, busy, counts, intake.pastHold)
  })
})
