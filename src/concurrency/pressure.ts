/**
 * Downstream pressure: of the time this process's requests spend on what they wait for (a database
 * connection and its query, an upstream call), how much is spent queued in corral's own queues
 * rather than in service on the other side. corral/io reports into it (io/db/pool.ts: waiting for a
 * pooled connection, holding one; io/upstream-call.ts: waiting for a slot of the upstream's limit or
 * for a connection of its pool, sent); the worker's adaptive limit reads it once a step, as it reads
 * its event loop (concurrency/limit.ts), and counts the worker as saturated when requests mostly wait
 * in those queues: more of them at once would only lengthen the queues until their budgets pass.
 *
 * A slow upstream with free slots and connections is not pressure: its calls are in service (sent),
 * however long they take. Only waiting for something this process rations is.
 *
 * One instance per process (`downstream`), in this folder because both io/ and overload/ may import
 * it and it imports nothing. Its cost per operation is a performance.now() and a few additions at each
 * change of state; reading it is a division.
 */
export class Pressure {
  /** Operations waiting in a queue of ours now, and in service now. */
  #queued = 0
  #busy = 0
  #last = performance.now()
  /** Operation-milliseconds queued and in service since the last read. */
  #queuedArea = 0
  #busyArea = 0
  #readAt = this.#last

  #advance(now: number): void {
    const dt = now - this.#last
    if (dt > 0) {
      this.#queuedArea += this.#queued * dt
      this.#busyArea += this.#busy * dt
      this.#last = now
    }
  }

  /** An operation starts waiting in one of our queues. */
  wait(now: number): void {
    this.#advance(now)
    this.#queued++
  }

  /** It stops waiting (it got its connection or slot, or it gave up). */
  waited(now: number): void {
    this.#advance(now)
    this.#queued--
  }

  /** An operation is in service downstream (a connection held, a request sent): +1 as it starts, -1 as it ends. */
  serving(now: number, delta: 1 | -1): void {
    this.#advance(now)
    this.#busy += delta
  }

  /** Waiting and in service now (for tests and /status). */
  get queued(): number { return this.#queued }
  get busy(): number { return this.#busy }

  /**
   * Since the last read: the share of downstream time spent queued, 0..1, and how many waited on
   * average. Both 0 when nothing went downstream.
   */
  read(now = performance.now()): { share: number; queued: number } {
    this.#advance(now)
    const span = now - this.#readAt
    const total = this.#queuedArea + this.#busyArea
    const out = { share: total > 0 ? this.#queuedArea / total : 0, queued: span > 0 ? this.#queuedArea / span : 0 }
    this.#queuedArea = 0
    this.#busyArea = 0
    this.#readAt = now
    return out
  }
}

/**
 * This process's downstream pressure, which corral/io reports into and the worker's limit reads. Kept
 * on globalThis: an app that loads corral/io from another copy of corral (src/ through tsx, a
 * second install) still reports to the worker that serves it.
 */
const KEY = Symbol.for('corral.downstream-pressure')
export const downstream: Pressure = ((globalThis as Record<symbol, unknown>)[KEY] as Pressure | undefined)
  ?? ((globalThis as Record<symbol, unknown>)[KEY] = new Pressure()) as Pressure

/**
 * A meter for the adaptive limit (concurrency/limit.ts): the share of downstream time spent queued
 * since the last call, or 0 when on average fewer than one operation waited (a queue that is
 * mostly empty is no bottleneck, whatever its share).
 */
export function pressureMeter(p: Pressure = downstream): () => number {
  return () => {
    const { share, queued } = p.read()
    return queued >= 1 ? share : 0
  }
}

/** The fewest ended gathers a share missed is read from. */
const ENOUGH = 10

/**
 * Budgets met and missed: of the gathers with a budget (corral/io's gather(): a field's timeoutMs)
 * that started since the worker's limit last moved, the share in which a call ran past it. A page
 * whose call missed its budget is a degraded page: the answer the client gets is worse, though its
 * latency may still be within the limit's tolerance (the shop's pages take 200 ms, the median rose
 * 1.5x and half of them came back degraded at 1,000 connections). The adaptive limit reads it while
 * the worker is saturated, as a second latency signal (concurrency/limit.ts).
 *
 * Counted per gather, not per call: the degraded answers are what goodput loses, and a tenth of
 * the calls late was half of the shop's pages (five calls each) while it moved the limit by a
 * twentieth a window (stop 46, docs/overload.md).
 *
 * Counted by start: a gather that started before the limit last moved says nothing about the new one.
 */
export class Budgets {
  #from = -Infinity
  #met = 0
  #missed = 0

  /** A gather with budgets that started at `startedAt` ended: every call within its budget, or one cut by it. */
  ended(startedAt: number, missed: boolean): void {
    if (startedAt < this.#from) return
    if (missed) this.#missed++
    else this.#met++
  }

  /** The limit moved at `now`: count only gathers that start from now on. */
  restart(now: number): void {
    this.#from = now
    this.#met = 0
    this.#missed = 0
  }

  /**
   * The share missed since the last reading, and start counting afresh; NaN while fewer than
   * ENOUGH have ended (they go on counting towards the next reading): three pages, one late, are no
   * third of anything.
   */
  read(): number {
    const n = this.#met + this.#missed
    if (n < ENOUGH) return NaN
    const share = this.#missed / n
    this.#met = 0
    this.#missed = 0
    return share
  }
}

const BUDGETS_KEY = Symbol.for('corral.budgets')
/** This process's budgets, kept on globalThis for the same reason as `downstream`. */
export const budgets: Budgets = ((globalThis as Record<symbol, unknown>)[BUDGETS_KEY] as Budgets | undefined)
  ?? ((globalThis as Record<symbol, unknown>)[BUDGETS_KEY] = new Budgets()) as Budgets
