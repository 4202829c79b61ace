/**
 * Deadlines for the io toolkit's calls, one Node timer per budget instead of one per call.
 *
 * Calls with the same budget (an upstream's timeoutMs, a gather call's timeoutMs) end in the order
 * they started, so each budget keeps a FIFO lane with a timer armed for its head only: adding a
 * deadline is an append, cancelling one unlinks it, and no Timeout object is held per call while
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
  prev: Entry | undefined = undefined
  next: Entry | undefined = undefined
  readonly lane: Lane

  constructor(at: number, fn: () => void, lane: Lane) {
    this.at = at
    this.fn = fn
    this.lane = lane
  }

  cancel(): void {
    if (this.fn === undefined) return
    this.fn = undefined
    this.lane.remove(this)
  }
}

/**
 * A budget's deadlines in the order they were set, as a doubly linked list: a cancelled deadline
 * leaves it at once and is garbage as soon as its call is. Until stop 64 the lane was an array that
 * kept each cancelled entry until the timer passed it, a budget after it was set: under load almost
 * every entry (a call answered in time), two a call, alive for up to the budget (3 s in the fan-out),
 * so V8 copied them through scavenges and promoted them with the array that held them
 * (bench/results/2026-12-07-stop64/).
 */
class Lane {
  readonly #ms: number
  #head: Entry | undefined = undefined
  #tail: Entry | undefined = undefined
  #timer: NodeJS.Timeout | undefined = undefined
  /** Set while #fire runs its deadlines: one that sets another must not arm the timer for a full budget. */
  #firing = false
  live = 0

  constructor(ms: number) { this.#ms = ms }

  add(fn: () => void, now: number): Entry {
    const e = new Entry(now + this.#ms, fn, this)
    if (this.#tail === undefined) this.#head = e
    else {
      e.prev = this.#tail
      this.#tail.next = e
    }
    this.#tail = e
    this.live++
    if (this.#timer === undefined && !this.#firing) this.#arm(this.#ms)
    return e
  }

  /** Unlink a cancelled deadline. The timer stays armed for the old head: when it fires, it re-arms for the new one. */
  remove(e: Entry): void {
    this.#unlink(e)
    if (--this.live === 0) this.stop()
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#head = this.#tail = undefined
    // Budgets computed per call (time left to some deadline) would make a lane each: forget idle ones then.
    if (lanes.size > 64) lanes.delete(this.#ms)
  }

  #unlink(e: Entry): void {
    if (e.prev === undefined) this.#head = e.next
    else e.prev.next = e.next
    if (e.next === undefined) this.#tail = e.prev
    else e.next.prev = e.prev
    // A cancelled entry may live on in its call for a while: it must not keep its neighbours alive.
    e.prev = e.next = undefined
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(this.#fire, Math.max(1, Math.ceil(ms)))
  }

  readonly #fire = (): void => {
    this.#timer = undefined
    // Node fires a timer up to a millisecond early by our clock: give that much slack.
    const now = performance.now() + 1
    this.#firing = true
    try {
      // this.#head, not a local: a deadline that fires may add to this lane or cancel others in it.
      for (let e = this.#head; e !== undefined && e.at <= now; e = this.#head) {
        this.#unlink(e)
        const fn = e.fn!
        e.fn = undefined
        this.live--
        fn()
      }
    } finally {
      // In finally: a deadline that throws must not strand the rest of its lane.
      this.#firing = false
      if (this.#head !== undefined && this.#timer === undefined) this.#arm(this.#head.at - performance.now())
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
