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
import { backFromRest, forgive, pauseReading, restingConnections, wakeResting } from '../../src/overload/pace.js'

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

  it('is told by its rest: the request read as the pause ends; not one long after, nor one after a request that ran', async (t) => {
    // The pause's own timer reads the socket again ('resume'), as it does in a worker. It is unref'd
    // (a resting connection keeps no process alive): this one keeps the test's alive meanwhile, and
    // goes with the socket however the test ends (a failed assertion must not leave the file hanging).
    const alive = setInterval(() => {}, 1000)
    const PAUSE = 300
    const socket = new Socket()
    t.after(() => { clearInterval(alive); socket.destroy() })
    const req = { httpVersionMajor: 1, socket } as unknown as IncomingMessage
    assert.equal(backFromRest(socket, performance.now()), false, 'never shed')
    pauseReading(req, PAUSE, 5000, performance.now(), 1)
    assert.equal(backFromRest(socket, performance.now()), false, 'still resting')
    await once(socket, 'resume')
    const read = performance.now()
    assert.equal(backFromRest(socket, read), true, 'read as its pause ended')
    assert.equal(backFromRest(socket, read + PAUSE * 2), false, 'long after: a request of its own')
    // The request it came back with ran: the next one read is a request of its own.
    forgive(socket)
    assert.equal(backFromRest(socket, read), false, 'forgiven')
  })

  it('rests a connection a service time, or as long as the resting line takes to drain where it outnumbers the requests running', async (t) => {
    const alive = setInterval(() => {}, 1000)
    const sockets = Array.from({ length: 5 }, () => new Socket())
    t.after(() => { clearInterval(alive); for (const s of sockets) s.destroy() })
    const [a, b, c, d, e] = sockets as [Socket, Socket, Socket, Socket, Socket]
    const req = (socket: Socket) => ({ httpVersionMajor: 1, socket }) as unknown as IncomingMessage
    // The last test's socket closed as it ended: its 'close' (which ends its rest) comes on a later tick.
    await new Promise((resolve) => setImmediate(resolve))
    const before = restingConnections()
    const SERVICE = 200
    const now = performance.now()
    // Is the request read from `s` just after `ms` the first after its rest, and one read just before not?
    const restEnds = (s: Socket, ms: number) => !backFromRest(s, now + ms - 5) && backFromRest(s, now + ms + 5)

    // Alone in the line, four requests running: one service time.
    pauseReading(req(a), SERVICE, 5000, now, 4)
    assert.ok(restEnds(a, SERVICE), 'one resting, four running: one service time')
    // Behind a, one running: slots free once a service time, so two.
    pauseReading(req(b), SERVICE, 5000, now, 1)
    assert.ok(restEnds(b, 2 * SERVICE), 'two resting, one running: two service times')
    // Nothing running: counted as one.
    pauseReading(req(c), SERVICE, 5000, now, 0)
    assert.ok(restEnds(c, 3 * SERVICE), 'three resting, none running: three service times')
    // Never longer than half the keep-alive timeout: a request read late must not be one the
    // keep-alive timer would have cut.
    pauseReading(req(d), 3000, 5000, now, 1)
    assert.ok(restEnds(d, 2500), 'four resting at 3 s each: half the keep-alive timeout')
    // Many running: still one service time, never less.
    pauseReading(req(e), 1.5 * SERVICE, 5000, now, 100)
    assert.ok(restEnds(e, 1.5 * SERVICE), 'five resting, a hundred running: one service time')
    // One service time of 3 s, with the line short: at most 1 s.
    const f = new Socket()
    t.after(() => f.destroy())
    pauseReading(req(f), 3000, 5000, now, 100)
    assert.ok(restEnds(f, 1000), 'six resting, a hundred running, a service time of 3 s: 1 s')
    f.destroy()
    await once(f, 'close')
    assert.equal(restingConnections(), before + 5, 'five resting')

    // A connection that closes while it rests leaves the line; one read again leaves it too.
    b.destroy()
    await once(b, 'close')
    assert.equal(restingConnections(), before + 4, 'b closed')
    await once(a, 'resume')
    assert.equal(restingConnections(), before + 3, 'a is read again')
    await once(e, 'resume')
    assert.equal(restingConnections(), before + 2, 'e is read again')
  })

  it('is read again as soon as a slot frees, longest resting first, unless a queued request takes the slot', async (t) => {
    const alive = setInterval(() => {}, 1000)
    const sockets = Array.from({ length: 3 }, () => new Socket())
    t.after(() => { clearInterval(alive); for (const s of sockets) s.destroy() })
    const [x, y, z] = sockets as [Socket, Socket, Socket]
    const req = (socket: Socket) => ({ httpVersionMajor: 1, socket }) as unknown as IncomingMessage
    await new Promise((resolve) => setImmediate(resolve))
    const before = restingConnections()
    const resumed: Socket[] = []
    for (const s of sockets) s.on('resume', () => resumed.push(s))
    const a = new Admission({ limit: new StaticLimit(2), hardCap: 100, queueMax: 10, queueTimeoutMs: 5000, medianAge: () => 0, onRoom: wakeResting })
    a.enter()
    a.enter()
    // Rests of 900 ms (one service time): none ends by its timer within this test.
    const now = performance.now()
    for (const s of sockets) pauseReading(req(s), 900, 20_000, now, 2)
    assert.equal(restingConnections(), before + 3)
    const tick = () => new Promise((resolve) => setImmediate(resolve))
    a.leave(1, performance.now())
    await tick()
    assert.deepEqual(resumed, [x], 'the first slot: the connection refused first')
    assert.equal(backFromRest(x, performance.now()), true, 'its next request is one back from its rest')
    assert.equal(restingConnections(), before + 2)
    // y closed while it rested: the next slot goes past it to z.
    y.destroy()
    await once(y, 'close')
    a.enter()
    a.leave(1, performance.now())
    await tick()
    assert.deepEqual(resumed, [x, z], 'y is gone: z, next in line')
    assert.equal(restingConnections(), before)

    // A request queued for a slot takes it before any resting connection.
    const w = new Socket()
    t.after(() => w.destroy())
    a.enter()
    pauseReading(req(w), 900, 20_000, performance.now(), 2)
    let admitted = false
    const waiter = { queuedAt: 0, settled: false, gone: () => false, admit: () => { admitted = true }, shed: () => {} }
    assert.equal(a.wait(waiter, false, performance.now()), undefined)
    w.on('resume', () => resumed.push(w))
    a.leave(1, performance.now())
    await tick()
    assert.equal(admitted, true, 'the queued request has the slot')
    assert.deepEqual(resumed, [x, z], 'w rests on')
    assert.equal(restingConnections(), before + 1)
  })
})
