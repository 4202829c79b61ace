/**
 * A burst of connections far above --backlog, all at once: the master accepts them faster than the
 * worker takes them, and every one is answered. The master's line of waiting connections is bounded
 * by its descriptor limit, not by the backlog (src/arbiter/dispatch.ts); capped at the backlog it
 * reset most of such a burst.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { fixture, startCorral } from '../support/corral.js'

const CONNECTIONS = 400
const BACKLOG = 16

/** One connection, one request: the status line it got, or the error that ended it. */
function ask(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let got = ''
    socket.setTimeout(60_000, () => socket.destroy(new Error('no answer in 60 s')))
    socket.on('connect', () => socket.write('GET / HTTP/1.1\r\nHost: burst\r\nConnection: close\r\n\r\n'))
    socket.on('data', (d) => { got += d })
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code ?? err.message}`))
    socket.on('close', () => resolve(got.split('\r\n', 1)[0] || 'closed without an answer'))
  })
}

describe('a burst of connections', () => {
  it(`answers ${CONNECTIONS} connections opened at once with --backlog ${BACKLOG}`, async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--backlog', String(BACKLOG)] })
    const answers = await Promise.all(Array.from({ length: CONNECTIONS }, () => ask(server.port)))
    const counts = new Map<string, number>()
    for (const a of answers) counts.set(a, (counts.get(a) ?? 0) + 1)
    assert.deepEqual([...counts], [['HTTP/1.1 200 OK', CONNECTIONS]], `answers: ${JSON.stringify([...counts])}`)
  })
})
