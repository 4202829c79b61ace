/**
 * Deadlines for the io toolkit's calls, one Node timer per budget instead of one per call.
 *
 * Calls with the same budget (an upstream's timeoutMs, a gather call's timeoutMs) end in the order
 * they started, so each budget keeps a FIFO lane with a timer armed for its head only: adding a
 * deadline is a push, cancelling one clears a field, and no Timeout object is held per call while
 * it waits (a fan-out arms two per call). In a hot loop the two cost about the same, 380 ns against
 * setTimeout + clearTimeout's 290-330 on Node 20 and 26 (bench/micro/signals.ts, stop 44; an earlier
 * note had the timers at three times the lane, which this loop does not show).
 *
 * A lane whose deadlines are all cancelled stops its timer, so a finished call never keeps the
 * process alive (a script's last upstream call exits at once, not after its budget).
 */
export interface Deadline { cancel(): void }

class Entry implements Deadline {
  at: number
  fn: (() => void) | undefined
  readonly lane: Lane

  constructor(at: number, fn: () => void, lane: Lane) {
    this.at = at
    this.fn = fn
    this.lane = lane
  }

  cancel(): void {
    if (this.fn === undefined) return
    this.fn = undefined
    if (--this.lane.live === 0) this.lane.stop()
  }
}

class Lane {
  readonly #ms: number
  #entries: Entry[] = []
  #head = 0
  #timer: NodeJS.Timeout | undefined = undefined
  live = 0

  constructor(ms: number) { this.#ms = ms }

  add(fn: () => void, now: number): Entry {
    const e = new Entry(now + this.#ms, fn, this)
    this.#entries.push(e)
    this.live++
    if (this.#timer === undefined) this.#arm(this.#ms)
    return e
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#entries = []
    this.#head = 0
    // Budgets computed per call (time left to some deadline) would make a lane each: forget idle ones then.
    if (lanes.size > 64) lanes.delete(this.#ms)
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(this.#fire, Math.max(1, Math.ceil(ms)))
  }

  readonly #fire = (): void => {
    this.#timer = undefined
    // Node fires a timer up to a millisecond early by our clock: give that much slack.
    const now = performance.now() + 1
    // this.#entries, not a local: a deadline that fires may add to this lane, or empty it (stop()).
    while (this.#head < this.#entries.length) {
      const e = this.#entries[this.#head]!
      if (e.fn !== undefined && e.at > now) break
      this.#head++
      const fn = e.fn
      if (fn === undefined) continue
      e.fn = undefined
      this.live--
      fn()
    }
    if (this.#head === this.#entries.length) {
      this.#entries = []
      this.#head = 0
    } else {
      if (this.#head > 1024) {
        this.#entries = this.#entries.slice(this.#head)
        this.#head = 0
      }
      if (this.#timer === undefined) this.#arm(this.#entries[this.#head]!.at - performance.now())
    }
  }
}

const lanes = new Map<number, Lane>()

/** Run fn once `ms` after `now` (performance.now(), which the caller often has at hand), unless cancelled first. */
export function deadline(ms: number, fn: () => void, now = performance.now()): Deadline {
  let lane = lanes.get(ms)
  if (lane === undefined) lanes.set(ms, (lane = new Lane(ms)))
  return lane.add(fn, now)
}
