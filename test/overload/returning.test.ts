/**
 * Refusals go round the connections beyond the limit (overload/admission.ts, enterReturning): a
 * request whose connection was shed last time and has rested (overload/pace.ts) runs a little over a
 * full limit, and the next newcomer is shed in its place. Without it the connections that were shed
 * once were shed again each time they came back, each rest twice as long as the last: the shop's
 * p99 at 1,000 connections was those rests (docs/overload.md). The admission and the pace are plain
 * code; these give them the arrival times and the sockets a worker gives them.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { Socket } from 'node:net'
import { once } from 'node:events'
import { Admission } from '../../src/overload/admission.js'
import { StaticLimit } from '../../src/concurrency/limit.js'
import { backFromRest, forgive, pauseReading } from '../../src/overload/pace.js'

const admission = (limit: number, hardCap = 100) =>
  new Admission({ limit: new StaticLimit(limit), hardCap, queueMax: 10, queueTimeoutMs: 5, medianAge: () => 0 })

describe('a connection back from its rest', () => {
  it('runs over a full limit, within a quarter of it (at least 2), and the next newcomer is refused', () => {
    const a = admission(8)
    for (let i = 0; i < 8; i++) assert.equal(a.enter(), true)
    assert.equal(a.enter(), false, 'a newcomer finds the limit full')
    assert.equal(a.enterReturning(), true)
    assert.equal(a.enterReturning(), true)
    assert.equal(a.running, 10)
    assert.equal(a.enterReturning(), false, 'limit 8: at most 2 over it')
    // A slot frees: running is back to 9, still over the limit, so the newcomer is still refused.
    a.leave(1, performance.now())
    assert.equal(a.enter(), false)
  })

  it('never passes the hard cap (--worker-connections), and waits its turn behind a queue', () => {
    const capped = admission(8, 9)
    for (let i = 0; i < 8; i++) capped.enter()
    assert.equal(capped.enterReturning(), true)
    assert.equal(capped.enterReturning(), false, 'running 9 = the hard cap')

    const a = admission(40)
    for (let i = 0; i < 40; i++) a.enter()
    for (let i = 0; i < 10; i++) assert.equal(a.enterReturning(), true, `limit 40: 10 over it (${i})`)
    assert.equal(a.enterReturning(), false)

    const queued = admission(1)
    queued.enter()
    const w = { queuedAt: 0, settled: false, gone: () => false, admit: () => {}, shed: () => {} }
    assert.equal(queued.wait(w, false, performance.now()), undefined)
    assert.equal(queued.enterReturning(), false, 'a request already waits: it goes first')
  })

  it('is told by its rest: the request read as the pause ends; a refusal after one that ran starts from one pause', async (t) => {
    // The pause's own timer reads the socket again ('resume'), as it does in a worker. It is unref'd
    // (a resting connection keeps no process alive): this one keeps the test's alive meanwhile, and
    // goes with the socket however the test ends (a failed assertion must not leave the file hanging).
    const alive = setInterval(() => {}, 1000)
    const PAUSE = 300
    const socket = new Socket()
    t.after(() => { clearInterval(alive); socket.destroy() })
    const req = { httpVersionMajor: 1, socket } as unknown as IncomingMessage
    assert.equal(backFromRest(socket, performance.now()), false, 'never shed')
    pauseReading(req, PAUSE, 5000, performance.now())
    assert.equal(backFromRest(socket, performance.now()), false, 'still resting')
    await once(socket, 'resume')
    const read = performance.now()
    assert.equal(backFromRest(socket, read), true, 'read as its pause ended')
    assert.equal(backFromRest(socket, read + PAUSE * 2), false, 'long after: a request of its own')

    // Shed again as soon as it was read: the pause doubles (the streak) ...
    pauseReading(req, PAUSE, 5000, read)
    assert.equal(backFromRest(socket, read + PAUSE * 1.5), false, 'a pause of twice as long now')
    await once(socket, 'resume')
    const again = performance.now()
    assert.equal(backFromRest(socket, again), true)
    // ... unless the request it came back with ran: then the next refusal rests one pause again.
    forgive(socket)
    pauseReading(req, PAUSE, 5000, again)
    assert.equal(backFromRest(socket, again + PAUSE + 5), true, 'one pause, not four')
  })
})
