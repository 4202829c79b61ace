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
import { HOLD_MS } from '../../src/arbiter/share.js'

const CONNECTIONS = 200

/** Ask `path` on an open keep-alive socket; resolves with the answer's body. */
function ask(socket: Socket, path: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let got = ''
    const onData = (d: Buffer) => {
      got += d
      const [answer] = parseResponses(got).responses
      if (!answer) return
      socket.off('data', onData).off('error', reject).off('close', onClose).setTimeout(0)
      if (answer.status !== 200) reject(new Error(`${path} answered ${got}`))
      else resolve(answer.body)
    }
    const onClose = () => reject(new Error(`closed before an answer to ${path}: ${JSON.stringify(got)}`))
    socket.setTimeout(30_000, () => socket.destroy(new Error(`no answer to ${path} in 30 s`)))
    socket.on('data', onData).on('error', reject).on('close', onClose)
    socket.write(`GET ${path} HTTP/1.1\r\nHost: share\r\n\r\n`)
  })
}

/** A keep-alive connection that asks `path` once; resolves with the body, the socket left open. */
function askOpen(port: number, path: string): { socket: Socket; body: Promise<string> } {
  const socket = connect(port, '127.0.0.1')
  const body = new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
    .then(() => ask(socket, path))
  return { socket, body }
}

interface Split {
  busy: string
  counts: Map<string, number>
  /** The busy worker's longest lap of its loop while the connections came (fetch-app.ts's /turn). */
  longestLapMs: number
}

/** One worker kept busy in 2 ms turns (/busy), then CONNECTIONS opened at once: how many each worker took. */
async function split(server: Running): Promise<Split> {
  const first = askOpen(server.port, '/pid')
  const busy = await first.body
  // The loop stays busy for 5 s after this answer.
  await ask(first.socket, '/busy?ms=5000&turn=2')
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
    const { longestLapMs } = JSON.parse(await ask(first.socket, '/turn')) as { longestLapMs: number }
    return { busy, counts, longestLapMs }
  } finally {
    for (const s of sockets) s.destroy()
  }
}

/**
 * Each worker took at least 35% of the connections. share.ts lets a worker lead by 10 here (a tenth
 * of the mean); a copy of the socket in a burst holds up to 8 more. 70 of 200 is well outside what it
 * allows, and well above what the busy worker got without the share (28-46 of 200).
 *
 * That holds while the busy worker's loop comes round within a hold. On a loaded machine its loop may
 * not run for longer (once in about 15 runs, beside other tests, it got 68), and then the share gives
 * the idle worker its lead, as it must not hold the intake to a stalled worker (docs/balance.md). So
 * the bound is asserted when the busy worker's own lap says it ran, and otherwise only that both
 * workers took connections: the evidence is the server's, not a guess at how quiet the machine was.
 */
function assertEven(t: TestContext, { busy, counts, longestLapMs }: Split): void {
  const shares = `${JSON.stringify([...counts])} (pid ${busy} was busy; its longest lap ${longestLapMs.toFixed(1)} ms)`
  t.diagnostic(shares)
  assert.equal(counts.size, 2, shares)
  if (longestLapMs >= HOLD_MS) {
    t.diagnostic(`the busy worker's loop did not come round for ${longestLapMs.toFixed(1)} ms, longer than a hold: the even split is not asserted`)
    return
  }
  for (const n of counts.values()) assert.ok(n >= CONNECTIONS * 0.35, shares)
}

describe('connections opened at once', () => {
  it('are split about evenly between a busy worker and an idle one during a burst (the default)', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '2'] })
    assertEven(t, await split(server))
    // /status shows what each worker holds, as its beats report it.
    const status = await (await fetch(`${server.admin}/status`)).json() as { workers: { connections: unknown }[] }
    for (const w of status.workers) assert.equal(typeof w.connections, 'number', JSON.stringify(status.workers))
  })

  it('are split about evenly by the round-robin hand-off too (--no-burst-intake)', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '2', '--no-burst-intake'] })
    assertEven(t, await split(server))
  })
})
