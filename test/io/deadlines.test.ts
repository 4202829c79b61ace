/**
 * The io toolkit's deadlines (src/io/deadlines.ts): one Node timer per budget. They must fire like
 * setTimeout would (each once, in order, never after cancel) and must not keep a process alive
 * once nothing waits on them.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { deadline } from '../../src/io/deadlines.js'

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length

describe('deadlines sharing a timer per budget', () => {
  it('fires each deadline once, in the order they were set, and never a cancelled one', async () => {
    const fired: string[] = []
    let done!: () => void
    const finished = new Promise<void>((resolve) => { done = resolve })
    deadline(15, () => fired.push('a'))
    const b = deadline(15, () => fired.push('b'))
    deadline(15, () => { fired.push('c'); done() })
    b.cancel()
    await finished
    assert.deepEqual(fired, ['a', 'c'])
  })

  it('fires later deadlines of the same budget after an earlier one, and other budgets on their own', async () => {
    const fired: string[] = []
    let done!: () => void
    const finished = new Promise<void>((resolve) => { done = resolve })
    const start = performance.now()
    deadline(20, () => fired.push('20 first'), start)
    deadline(5, () => fired.push('5'), start)
    deadline(20, () => { fired.push('20 second'); done() }, start + 10)
    await finished
    assert.deepEqual(fired, ['5', '20 first', '20 second'])
    assert.ok(performance.now() - start >= 29, 'the second 20 ms deadline counted from its own start')
  })

  it('holds no timer once every deadline of a budget is cancelled, so a finished call never keeps a process alive', () => {
    const before = timers()
    const handles = [deadline(60_000, () => assert.fail('cancelled')), deadline(60_000, () => assert.fail('cancelled'))]
    assert.equal(timers(), before + 1, 'one timer for the budget, not one per deadline')
    for (const h of handles) h.cancel()
    assert.equal(timers(), before)
  })

  it('keeps the next deadline of a budget on time when a firing one sets another of the same budget', async () => {
    // Proven by order, not by the clock: b is due at 210 ms and the other budget's deadline at 300.
    // Had a's new deadline re-armed the lane for a whole budget from 200, b would wait until 400.
    const fired: string[] = []
    let done!: () => void
    const finished = new Promise<void>((resolve) => { done = resolve })
    const start = performance.now()
    deadline(200, () => { fired.push('a'); deadline(200, () => { fired.push('c'); done() }) }, start)
    deadline(200, () => fired.push('b'), start + 10)
    deadline(300, () => fired.push('other budget'), start)
    await finished
    assert.deepEqual(fired, ['a', 'b', 'other budget', 'c'])
  })

  it('lets go of a cancelled deadline at once, while others of its budget still wait', async () => {
    // Under load a budget's lane is never empty: what it kept of each call answered in time, V8 copied
    // through scavenges and promoted (bench/results/2026-12-07-stop64/).
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const waiting = deadline(60_000, () => assert.fail('cancelled'))
    const cancelled = Array.from({ length: 100 }, () => {
      const d = deadline(60_000, () => assert.fail('cancelled'))
      d.cancel()
      return new WeakRef(d)
    })
    // WeakRefs hold their targets until the job that made them ends.
    await new Promise((resolve) => setImmediate(resolve))
    gc()
    const alive = cancelled.filter((r) => r.deref() !== undefined).length
    waiting.cancel()
    assert.equal(alive, 0, `${alive} of 100 cancelled deadlines still held by their lane`)
  })
})
