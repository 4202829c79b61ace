/**
 * The loop-lag sampler behind the heartbeat's loopLagMs (issue 13, part 7), in this process: the
 * sampler's own interval is not lag, and a block that begins right after a beat is still counted
 * (monitorEventLoopDelay's reset() drops the interval that follows it).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { startLoopLag } from '../../src/worker/loop-lag.js'

const block = (ms: number) => { const end = Date.now() + ms; while (Date.now() < end) { /* blocked */ } }

describe('the event-loop lag sampler', () => {
  it('reads near 0 on an idle loop, not its 50 ms sampling interval', async (t) => {
    const lag = startLoopLag(50)
    t.after(() => lag.stop())
    lag.take()
    await sleep(600)
    const idle = lag.take()
    // 25 ms leaves room for a busy machine's scheduling delay; the old reading was never under 50.
    assert.ok(idle < 25, `idle lag ${idle} ms`)
  })

  it('counts a block that begins right after a beat', async (t) => {
    const lag = startLoopLag(50)
    t.after(() => lag.stop())
    await sleep(200)
    lag.take()
    block(500)
    await sleep(150)
    const after = lag.take()
    // One tick ~450 ms late among three or four on time.
    assert.ok(after >= 50, `a 500 ms block right after a beat shows; lag ${after} ms`)
  })

  it('counts a block in the middle of a beat', async (t) => {
    const lag = startLoopLag(50)
    t.after(() => lag.stop())
    lag.take()
    await sleep(120)
    block(500)
    await sleep(150)
    const after = lag.take()
    assert.ok(after >= 50, `a 500 ms block mid-beat shows; lag ${after} ms`)
  })
})
