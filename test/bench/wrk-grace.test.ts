import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { runWrk } from '../../bench/load/wrk.js'
import { needTool } from '../support/tools.js'

/**
 * A run's end: wrk closes every connection, so the requests still waiting for their answer are cut,
 * unless the run ends with a grace (bench/load/wrk-report.lua), which stops sending and lets them finish.
 */
describe('wrk runs with a grace period', () => {
  let server: Server
  let url = ''
  const seen = { received: 0, answered: 0, cut: 0 }
  let open = 0
  before(async () => {
    // Every answer takes 150 ms, so each of wrk's connections has a request in flight at any moment.
    server = createServer((req, res) => {
      seen.received++
      const timer = setTimeout(() => { seen.answered++; res.end('ok') }, 150)
      res.on('close', () => { if (!res.writableFinished) { clearTimeout(timer); seen.cut++ } })
    })
    server.on('connection', (socket) => { open++; socket.on('close', () => { open-- }) })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  })
  after(() => { server.closeAllConnections(); server.close() })

  it('without one, cuts the requests in flight when it stops', async (t) => {
    if (!needTool(t, 'wrk')) return
    Object.assign(seen, { received: 0, answered: 0, cut: 0 })
    const r = await runWrk('wrk', { url, connections: 10, durationS: 1, timeoutS: 5 })
    // Cut: a request the server received whose answer wrk never read. Counted from wrk's own tally,
    // not from the server's 'close' events: a loop held up past the 150 ms answers its timers before
    // it reads the closed sockets, so a request wrk gave up on could still read as answered there.
    // Every socket has closed first, so the server has seen every request wrk sent. A connection
    // between an answer and its next request at that moment has none to cut, so at least one, and
    // at most one per connection, is cut.
    await until(() => open === 0)
    const cut = seen.received - r.requests
    assert.ok(cut >= 1 && cut <= 10, `${cut} requests cut when wrk stopped (${seen.received} received, ${r.requests} answers read)`)
  })

  it('with one, stops sending and waits for every answer; rps counts those within the window', async (t) => {
    if (!needTool(t, 'wrk')) return
    Object.assign(seen, { received: 0, answered: 0, cut: 0 })
    const r = await runWrk('wrk', { url, connections: 10, durationS: 1, timeoutS: 5, graceS: 1 })
    assert.equal(seen.cut, 0)
    assert.equal(r.requests, seen.answered, 'wrk received every answer the server sent')
    assert.equal(r.durationS, 1)
    // The window's answers: every request sent in it but the first on each connection.
    assert.ok(r.rps > 0 && r.rps * r.durationS <= r.requests - 10 + 0.5, `rps ${r.rps} over 1 s against ${r.requests} answers`)
  })
})

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10))
}
