/**
 * The adaptive limit's rules from the shop at 1,000 connections (docs/overload.md): calls past
 * their budgets bring a saturated worker's limit down even when the median latency is within the
 * tolerance, and a limit is judged only by requests admitted since it last moved; and from the
 * fan-out's steps of load: a full loop lets the limit stretch only as far as the concurrency the
 * worker can serve within the tolerance. The algorithm is a pure class (concurrency/limit.ts):
 * these drive it with the clock readings a worker gives it.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { GradientLimit, occupancyMeter, WINDOW_MS } from '../../src/concurrency/limit.js'
import { Budgets } from '../../src/concurrency/pressure.js'

const full = () => 1

/** One window of `n` completions that each took `ms` and ended at `end`; the last one steps the limit. */
function windowOf(limit: GradientLimit, end: number, ms: number, n = 20, running = limit.current): void {
  for (let i = 0; i < n; i++) limit.sample(ms, end - (n - 1 - i) * 0.1, running, 0, () => ms)
}

function baselined(budgets?: Budgets): { limit: GradientLimit; now: number } {
  const limit = new GradientLimit({ min: 4, max: 1000, tolerance: 1.5, saturated: 0.9, loop: full, initial: 100, budgets })
  let now = 1000
  // The baseline: windows at 200 ms, the limit in use.
  for (let i = 0; i < 3; i++) { windowOf(limit, now, 200); now += WINDOW_MS + 1 }
  return { limit, now }
}

describe('the adaptive limit', () => {
  it('comes down when calls miss their budgets, though the median is within the tolerance', () => {
    const budgets = new Budgets()
    const { limit, now: start } = baselined(budgets)
    let now = start
    const before = limit.current
    for (let w = 0; w < 5; w++) {
      // A third of the calls that started in this window ran past their budgets.
      for (let i = 0; i < 30; i++) budgets.ended(now - 50, i % 3 === 0)
      now += 300 // later than any sample's admission: each window is of the limit as it is
      windowOf(limit, now, 220)
    }
    assert.ok(limit.current < before * 0.7, `limit ${before} -> ${limit.current}`)

    // Budgets met again: it grows.
    const low = limit.current
    for (let w = 0; w < 5; w++) {
      for (let i = 0; i < 30; i++) budgets.ended(now - 50, false)
      now += 300
      windowOf(limit, now, 205)
    }
    assert.ok(limit.current > low, `limit ${low} -> ${limit.current}`)
  })

  it('does not grow back on a window too short to tell whether its pages are on time', () => {
    const budgets = new Budgets()
    const { limit, now: start } = baselined(budgets)
    let now = start
    /** A window of pages on time in their median (205 ms against 200), and the step that judges it. */
    const judged = () => {
      now += 400 // every sample admitted after the last move
      windowOf(limit, now, 205)
      limit.tick(now + WINDOW_MS + 1, limit.current, 0, () => 205)
    }
    // Late pages: a third of the gathers missed a budget, and the limit comes down.
    const before = limit.current
    for (let i = 0; i < 30; i++) budgets.ended(now + 1, i % 3 === 0)
    judged()
    const cut = limit.current
    assert.ok(cut < before, `limit ${before} -> ${cut}`)
    // The next window: only three of the pages begun since the cut have ended.
    for (let i = 0; i < 3; i++) budgets.ended(now + WINDOW_MS + 2, false)
    judged()
    assert.equal(limit.current, cut)
    assert.ok(limit.budgetsMissed > 0.3, `the last share that could tell stands: ${limit.budgetsMissed}`)
    // Enough of them, on time: it grows.
    for (let i = 0; i < 30; i++) budgets.ended(now + WINDOW_MS + 2, false)
    judged()
    assert.ok(limit.current > cut, `limit ${cut} -> ${limit.current}`)
  })

  it('is cut from what ran when less ran than the limit allowed (a limit nobody reached binds nothing)', () => {
    const { limit, now: start } = baselined()
    const before = limit.current
    assert.ok(before >= 100, `baseline limit ${before}`)
    let now = start
    // 40 requests run, at twice the baseline (past the tolerance), the loop full: two windows, the
    // first still closing a step at which the limit's worth ran.
    for (let w = 0; w < 2; w++) { now += 500; windowOf(limit, now, 400, 20, 40) }
    assert.ok(limit.current <= 40, `limit ${before} -> ${limit.current} with 40 running`)
  })

  it('without budgets the same latency grows the limit (the rule above is what brings it down)', () => {
    const { limit, now: start } = baselined()
    let now = start
    const before = limit.current
    for (let w = 0; w < 5; w++) { now += 300; windowOf(limit, now, 220) }
    assert.ok(limit.current > before, `limit ${before} -> ${limit.current}`)
  })

  it('judges a new limit only by requests admitted after it moved', () => {
    const { limit, now: start } = baselined()
    let now = start + 300
    // Slow: the limit comes down.
    windowOf(limit, now, 600)
    const cut = limit.current
    assert.ok(cut < 100, `cut to ${cut}`)
    // The requests admitted before the cut finish in the next windows, as slow as before: they say
    // nothing about the new limit, which stays.
    for (let w = 0; w < 2; w++) { now += WINDOW_MS + 1; windowOf(limit, now, 600 + WINDOW_MS * (w + 1)) }
    assert.equal(limit.current, cut)
    // Requests admitted since then, at the baseline: it grows again.
    for (let w = 0; w < 3; w++) { now += 300; windowOf(limit, now, 200) }
    assert.ok(limit.current > cut, `limit ${cut} -> ${limit.current}`)
  })
})

describe('a burst stretches the limit to what the worker can serve, no further', () => {
  /** A worker that ran windows of 20 completions every 101 ms at `serviceMs` with its loop `util` busy, then found its loop full. */
  function fullAfter(serviceMs: number, util: number, opts: { sample?: number; pressure?: number; full?: boolean; missed?: number } = {}) {
    const loop = { util, pressure: 0 }
    const budgets = new Budgets()
    const limit = new GradientLimit({ min: 4, max: 10_000, tolerance: 1.5, saturated: 0.9, loop: () => loop.util, pressure: () => loop.pressure, downstream: 0.5, initial: 20, budgets })
    let now = 1000
    for (let i = 0; i < 6; i++) {
      // The calls of the last window: `missed` of them past their budgets.
      if (i === 5) for (let c = 0; c < 100; c++) budgets.ended(now - 50, c < (opts.missed ?? 0) * 100)
      windowOf(limit, now, serviceMs)
      now += WINDOW_MS + 1
    }
    // A slower window, of requests admitted after the limit last moved.
    if (opts.sample !== undefined) { now += opts.sample; windowOf(limit, now, opts.sample) }
    // A step closes the last window, with the loop as it was.
    limit.tick(now + WINDOW_MS, limit.current, 0, () => 1)
    // Load steps up: the loop is full setting up new connections and nothing has completed yet.
    if (opts.full !== false) loop.util = 1
    loop.pressure = opts.pressure ?? 0
    limit.tick(now + 2 * WINDOW_MS + 1, limit.current, 0, () => 1)
    return limit
  }
  const stretches = (limit: GradientLimit, from: number, to: number) => {
    let n = 0
    for (let running = from; running < to; running++) if (limit.stretch(running)) n++
    return n
  }

  it('an I/O-bound worker: up to tolerance × baseline × completions per second at a full loop', () => {
    const limit = fullAfter(300, 0.3)
    // 20 completions per 101 ms at a third of the loop: about 660 a second at a full one.
    assert.ok(limit.capacity > 550 && limit.capacity < 750, `capacity ${limit.capacity}`)
    const sustainable = Math.floor(1.5 * 0.3 * limit.capacity)
    const from = limit.current
    assert.ok(sustainable > 2 * from, `sustainable ${sustainable}, limit ${from}`)
    assert.equal(stretches(limit, from, 5 * sustainable), sustainable - from)
    assert.equal(limit.current, sustainable)
    assert.equal(limit.stretch(sustainable), false)
  })

  it('a loop with room stretches as far, where that is more than twice the limit', () => {
    const limit = fullAfter(300, 0.3, { full: false })
    const sustainable = Math.floor(1.5 * 0.3 * limit.capacity)
    const from = limit.current
    assert.ok(sustainable > 2 * from, `sustainable ${sustainable}, limit ${from}`)
    assert.equal(stretches(limit, from, 5 * sustainable), sustainable - from)
  })

  it('not while the last window ran past the tolerance', () => {
    const limit = fullAfter(300, 0.3, { sample: 500 })
    assert.equal(stretches(limit, limit.current, 2000), 0)
  })

  it('not while calls miss their budgets, though the median is within the tolerance (those pages are degraded)', () => {
    const limit = fullAfter(300, 0.3, { missed: 0.1 })
    assert.equal(stretches(limit, limit.current, 2000), 0)
    // A rare late call is no such sign.
    const few = fullAfter(300, 0.3, { missed: 0.01 })
    assert.ok(stretches(few, few.current, 2000) > 0)
  })

  it('not for downstream pressure: more would only queue there', () => {
    const limit = fullAfter(300, 0.3, { pressure: 0.8 })
    assert.equal(stretches(limit, limit.current, 2000), 0)
  })

  it('a fresh worker whose loop is full before it has measured anything: up to twice the starting limit', () => {
    const limit = new GradientLimit({ min: 4, max: 10_000, tolerance: 1.5, saturated: 0.9, loop: full, initial: 20 })
    // Two completions, the second after a step's length of a full loop: saturated, and no window yet.
    limit.sample(5, 1000, 1, 0, () => 5)
    limit.sample(400, 1400, 1, 0, () => 400)
    assert.equal(limit.saturated, true)
    assert.ok(Number.isNaN(limit.baselineMs))
    assert.equal(stretches(limit, 20, 2000), 20)
    assert.equal(limit.current, 40)
    // Steps at a full loop before a window closes do not let it go further.
    limit.tick(1600, 40, 0, () => 200)
    assert.equal(stretches(limit, 40, 2000), 0)
  })

  it('a CPU-bound worker (its baseline is its CPU time) stretches by nothing', () => {
    // 5 ms a request with the loop 95% busy: about 210 a second, 1.5 of them at once within the tolerance.
    const limit = fullAfter(5, 0.95)
    assert.equal(stretches(limit, 1, 2000), 0)
  })
})

describe('how full the worker is (occupancyMeter)', () => {
  /** Scheduler counters that move by `run` and `wait` of each millisecond of the real clock since the meter began. */
  const counters = (run: number, wait: number, from = performance.now()) => () => {
    const ns = (performance.now() - from) * 1e6
    return { runningNs: run * ns, waitingNs: wait * ns }
  }
  const spin = (ms: number) => { const until = performance.now() + ms; while (performance.now() < until); }

  it('reads a thread that waits for a CPU as long as it runs as full, though its loop reads 0.85', () => {
    const meter = occupancyMeter(counters(0.5, 0.5), () => 0.85)
    spin(20)
    const reading = meter()
    assert.ok(reading > 0.95 && reading <= 1, `reading ${reading}`)
    // As the limit takes it: saturated at --overload-loop-utilization 0.9, where the loop alone was not.
    const limit = new GradientLimit({ min: 4, max: 1000, tolerance: 1.5, saturated: 0.9, loop: meter, initial: 100 })
    limit.sample(200, 1000, 50, 0, () => 200)
    spin(5)
    limit.sample(200, 1000 + WINDOW_MS + 1, 50, 0, () => 200)
    assert.equal(limit.loopFull, true)
  })

  it('leaves the loop\'s reading alone for a thread that sleeps between its wakeups (slow I/O is not overload)', () => {
    const meter = occupancyMeter(counters(0.1, 0.05), () => 0.3)
    spin(20)
    assert.equal(meter(), 0.3)
  })

  it('and where the counters cannot be read (NaN)', () => {
    const meter = occupancyMeter(() => ({ runningNs: NaN, waitingNs: NaN }), () => 0.4)
    spin(5)
    assert.equal(meter(), 0.4)
  })
})
