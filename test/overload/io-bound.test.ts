/**
 * The adaptive limit must not shed healthy I/O-bound load (issue 12): requests that are slow because
 * they wait on another service leave the worker's event loop idle, and cutting their concurrency
 * helps nobody. The first version of the limit did: 40 requests that each waited 3 s met its starting
 * limit of 20, and the running requests' age brought it down, so half of them got 503.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { Agent, request } from 'undici'
import { fixture, startCorral } from '../support/corral.js'
import { overloadOf, type Overload } from '../support/overload-status.js'

/** What met the first version in CI: twice the limit an unmeasured worker starts at. */
const AT_ONCE = 40
const WAIT_MS = 2000

describe('overload control with I/O-bound requests', () => {
  it('runs 40 requests that each wait 2 s on I/O, all at once, with no 503, on by default', async (t) => {
    const server = await startCorral(t, fixture('overload-app.ts'), { args: ['--workers', '1'] })
    const deadline = Date.now() + 10_000
    let initial: Overload | undefined
    while (!(initial = await overloadOf(server)) && Date.now() < deadline) await sleep(100)
    assert.equal(initial?.limit, 20, 'the adaptive limit is on by default and starts at 20')

    const agent = new Agent({ connections: AT_ONCE })
    t.after(() => agent.close())
    const get = async (path: string) => {
      const res = await request(`${server.url}${path}`, { dispatcher: agent })
      await res.body.text()
      return res.statusCode
    }
    // Light I/O-bound load first (5 at a time, 50 ms each, for about a second): the limit measures
    // its baseline and the loop's utilisation, as on a server that has been up for a while.
    for (let round = 0; round < 20; round++) await Promise.all(Array.from({ length: 5 }, () => get('/io?ms=50')))
    const t0 = performance.now()
    const statuses = await Promise.all(Array.from({ length: AT_ONCE }, () => get(`/io?ms=${WAIT_MS}`)))
    assert.deepEqual(statuses.filter((s) => s !== 200), [], 'every request that waited on I/O was answered 200')

    t.diagnostic(`the load took ${Math.round(performance.now() - t0)} ms`)
    // The heartbeat after the load (once a second) says nothing was shed and the limit made room.
    let after: Overload | undefined
    const until = Date.now() + 10_000
    do { after = await overloadOf(server); if (after && after.running === 0 && after.limit >= AT_ONCE) break; await sleep(100) } while (Date.now() < until)
    assert.deepEqual(after!.shed, { full: 0, timeout: 0, gone: 0 }, 'nothing was shed')
    assert.ok(after!.limit >= AT_ONCE, `the limit grew to the I/O-bound load: ${after!.limit}`)
    t.diagnostic(`limit ${initial!.limit} at boot, ${after!.limit} after; load done ${Math.round(performance.now() - t0)} ms after it began`)
    await server.stop()
  })
})
