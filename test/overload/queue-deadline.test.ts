/**
 * The overload queue's deadline holds when the loop runs its timer late: a waiter past
 * --overload-queue-timeout is shed by the next request that arrives, in the same turn of the loop,
 * not only by the queue's timer. The admission is a plain class (overload/admission.ts); these give
 * it the arrival times a worker gives it.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Admission, type ShedReason, type Waiter } from '../../src/overload/admission.js'
import { StaticLimit } from '../../src/concurrency/limit.js'

function waiter(log: string[], name: string): Waiter {
  return {
    queuedAt: 0, settled: false, gone: () => false,
    admit: () => { log.push(`${name} admitted`) },
    shed: (reason: ShedReason) => { log.push(`${name} shed: ${reason}`) },
  }
}

describe('the overload queue deadline', () => {
  const admission = () => new Admission({ limit: new StaticLimit(1), hardCap: 100, queueMax: 10, queueTimeoutMs: 5, medianAge: () => 0 })

  it('a waiter past its deadline is shed when the next request arrives, before the timer runs', () => {
    const a = admission()
    const log: string[] = []
    assert.equal(a.enter(), true)
    const t0 = performance.now()
    assert.equal(a.wait(waiter(log, 'first'), false, t0), undefined)
    assert.equal(a.wait(waiter(log, 'second'), false, t0 + 3), undefined)
    assert.deepEqual(log, [], 'within the deadline both wait')
    assert.equal(a.waiting, 2)
    // 6 ms after the first was queued, in the same synchronous run (no timer could have fired).
    assert.equal(a.wait(waiter(log, 'third'), false, t0 + 6), undefined)
    assert.deepEqual(log, ['first shed: timeout'])
    assert.equal(a.waiting, 2)
    assert.equal(a.shed.timeout, 1)
  })

  it('a slot that frees goes to the oldest waiter still within its deadline', async () => {
    const a = admission()
    const log: string[] = []
    assert.equal(a.enter(), true)
    const t0 = performance.now()
    a.wait(waiter(log, 'first'), false, t0 - 8)
    a.wait(waiter(log, 'second'), false, t0)
    a.leave(1, t0 + 1)
    await new Promise<void>((resolve) => queueMicrotask(resolve))
    assert.deepEqual(log, ['first shed: timeout', 'second admitted'])
    assert.equal(a.running, 1)
  })

  it('after a waiter was shed late, nothing queues for a second: newcomers get their 503 at once', () => {
    const a = new Admission({ limit: Object.assign(new StaticLimit(1), { utilization: 0.3 }), hardCap: 100, queueMax: 10, queueTimeoutMs: 5, medianAge: () => 0 })
    const log: string[] = []
    assert.equal(a.enter(), true)
    const t0 = performance.now()
    // Queued 20 ms ago: the loop was held past its deadline (5 ms) by more than another deadline.
    assert.equal(a.wait(waiter(log, 'late'), false, t0 - 20), undefined)
    assert.equal(a.wait(waiter(log, 'next'), false, t0), 'full')
    assert.deepEqual(log, ['late shed: timeout'])
    assert.equal(a.wait(waiter(log, 'soon after'), false, t0 + 900), 'full')
    assert.equal(a.waiting, 0)
    // A second on, the queue takes waiters again.
    assert.equal(a.wait(waiter(log, 'later'), false, t0 + 1100), undefined)
    assert.equal(a.waiting, 1)
  })

  it('nothing queues while the limit\'s last step found the loop more than half busy', () => {
    const a = new Admission({ limit: Object.assign(new StaticLimit(1), { utilization: 0.6 }), hardCap: 100, queueMax: 10, queueTimeoutMs: 5, medianAge: () => 0 })
    const log: string[] = []
    assert.equal(a.enter(), true)
    assert.equal(a.wait(waiter(log, 'busy'), false, performance.now()), 'full')
    assert.equal(a.waiting, 0)
  })
})
