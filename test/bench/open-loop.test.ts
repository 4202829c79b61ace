import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { runOpenLoop } from '../../bench/load/open-loop.js'

// A server that answers after `?ms=` milliseconds, or holds every request until released.
let server: Server
let base: string
const held: (() => void)[] = []

before(async () => {
  server = createServer((req, res) => {
    const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 0)
    if (ms < 0) { held.push(() => res.end('late')); return }
    setTimeout(() => res.end('ok'), ms)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(() => { server.closeAllConnections(); server.close() })

describe('open-loop load', () => {
  it('sends the scheduled number of requests and times each from its scheduled send', async () => {
    const r = await runOpenLoop({ url: `${base}/?ms=40`, rate: 50, durationS: 1, timeoutS: 2, connections: 16 })
    assert.equal(r.offered, 50)
    assert.equal(r.requests, 50)
    assert.equal(r.errors, 0)
    // Every answer takes at least the server's 40 ms, wherever it was sent from.
    assert.ok(r.p50Ms >= 40, `p50 ${r.p50Ms}`)
  })

  it('counts requests still open at the deadline as errors, with their age as latency', async () => {
    const r = await runOpenLoop({ url: `${base}/?ms=-1`, rate: 20, durationS: 0.5, timeoutS: 0.3, connections: 16 })
    assert.equal(r.offered, 10)
    assert.equal(r.errors, 10)
    assert.equal(r.requests, 0)
    // The last request was scheduled ~450 ms in and written off 300 ms after the last send.
    assert.ok(r.p50Ms >= 300, `p50 ${r.p50Ms}`)
    for (const release of held.splice(0)) release()
  })
})
