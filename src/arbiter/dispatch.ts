/**
 * Round-robin hand-off: the master accepts on its listeners (listeners.ts) and passes each
 * connection, descriptor and all, to the next free worker over the IPC channel. A worker is free
 * when it is ready and has taken (`accepted`) the last connection it was given, as in node:cluster's
 * round robin: a worker whose event loop is stuck holds one connection at most, and the rest go to
 * the others. Connections wait here, in arrival order, while no worker is free.
 *
 * A worker that is draining is never given another connection. The ones already sent reach it
 * before the `retire` message (the IPC channel keeps order). The master keeps its own copy of each
 * descriptor until the worker says `accepted`: a worker that is already closing answers `refused`
 * without reading, and the connection goes to another worker instead of being lost.
 *
 * The line here is the kernel's listen queue continued: the master accepts as fast as connections
 * come, the workers take them one at a time. So it is bounded by the descriptors the master may
 * open (less a reserve for its own files, pipes and the copies it holds), not by --backlog: a burst
 * of 11,000 connections at once (bench/flash-sale.ts) came in faster than two workers took them, and
 * a line capped at the backlog (4,096) reset about 7,000 of them, where the kernel, had it still
 * held them, would have kept them waiting. Past the cap a connection is closed, as a kernel whose
 * queue is full refuses one.
 */
import type { SendHandle } from 'node:child_process'
import type { Logger } from '../logging/logger.js'
import type { Arbiter } from './arbiter.js'
import { resumeListener, takeAccepted, type Accepted, type Listener } from './listeners.js'
import { Burst } from './burst.js'
import type { WorkerRecord } from './worker-record.js'
import { openFilesLimit } from './open-files.js'
import { HOLD_MS, leads } from './share.js'

/** Descriptors the master keeps for everything but waiting connections. */
const RESERVED_FDS = 512

/** The longest line of connections the master holds: what its descriptor limit allows, and never less than --backlog. */
export function waitingCap(backlog: number, limit = openFilesLimit()): number {
  return limit === undefined ? backlog : Math.max(backlog, limit - RESERVED_FDS)
}

interface Waiting { connection: Accepted; listener: number }

export class Dispatch {
  readonly #arbiter: Arbiter
  readonly #log: Logger
  readonly #maxWaiting: number
  /** Free workers, oldest first: the first is given the next connection, then goes to the back. */
  readonly #free = new Set<WorkerRecord>()
  readonly #waiting: Waiting[] = []
  /** The connection each worker was handed and has not yet answered for (one at most). */
  readonly #handed = new Map<WorkerRecord, Waiting>()
  #onEmpty: (() => void) | undefined
  /**
   * Since when free workers that lead the others' connections have been passed over (share.ts),
   * and the timer that hands them connections again once HOLD_MS has passed without the others
   * taking one.
   */
  #holdSince: number | undefined
  #holdTimer: NodeJS.Timeout | undefined
  handed = 0
  /**
   * Connections handed to a worker that led the others because a hold had run out (HOLD_MS): what
   * the share gave up to a worker that did not take its turn (/status' intake.pastHold).
   */
  pastHold = 0
  /** --burst-intake: the workers accept for themselves while the line is long (burst.ts). */
  readonly burst: Burst | undefined

  constructor(arbiter: Arbiter, listeners: readonly Listener[], backlog: number, log: Logger, burstIntake = false) {
    this.#arbiter = arbiter
    this.#log = log
    this.#maxWaiting = waitingCap(backlog)
    listeners.forEach((l, i) => takeAccepted(l.server, (c) => this.#arrive(c, i)))
    this.burst = burstIntake ? new Burst({
      listeners, log,
      ready: () => arbiter.ready(),
      line: () => this.line,
      resume: (i, handle) => {
        resumeListener(listeners[i]!, handle, backlog)
        takeAccepted(listeners[i]!.server, (c) => this.#arrive(c, i))
      },
    }) : undefined
    arbiter.on('burst-copy', (_w: WorkerRecord, listener: number, handle: { close(): void }) => {
      if (this.burst) this.burst.copied(listener, handle)
      else handle.close()
    })
    arbiter.on('burst-more', (w: WorkerRecord, listener: number) => this.burst?.more(w, listener))
    if (this.burst) arbiter.on('beat', (w: WorkerRecord) => this.burst!.reported(w, w.beat?.pastHold ?? 0))
    // A stopping master, or one handing its sockets to a new master, accepts on them itself again.
    arbiter.on('stopping', () => this.burst?.pause())
    arbiter.on('ready', (w: WorkerRecord) => {
      this.burst?.joined(w)
      if (this.#free.add(w)) this.#handOff()
    })
    arbiter.on('accepted', (w: WorkerRecord) => {
      this.#handed.get(w)?.connection.close() // the master's copy: the worker holds the connection now
      this.#handed.delete(w)
      this.#free.add(w)
      this.#handOff()
    })
    arbiter.on('refused', (w: WorkerRecord) => this.#takeBack(w))
    arbiter.on('exit', (w: WorkerRecord) => {
      this.#free.delete(w)
      // Handed to a worker that died before it answered: whether it read from it is unknown, so it is closed.
      this.#handed.get(w)?.connection.close()
      this.#handed.delete(w)
      this.burst?.left()
    })
  }

  get waiting(): number { return this.#waiting.length }
  /** Waiting, and handed over but not yet taken. */
  get line(): number { return this.#waiting.length + this.#handed.size }

  #arrive(connection: Accepted, listener: number): void {
    if (this.#waiting.length >= this.#maxWaiting) {
      // As the kernel does when its listen queue is full.
      connection.close()
      return
    }
    this.#waiting.push({ connection, listener })
    this.#handOff()
    this.burst?.check(this.#waiting.length)
  }

  #handOff(): void {
    while (this.#waiting.length > 0) {
      const w = this.#nextFree()
      if (!w) return
      const next = this.#waiting.shift()!
      this.handed++
      w.connections++
      this.#handed.set(w, next)
      // A bare handle is sent as such (child_process's 'net.Native') and the master's copy stays
      // open until the worker answers, as keepOpen does for a net.Socket.
      w.process.send({ type: 'connection', listener: next.listener }, next.connection as unknown as SendHandle, {}, (err) => {
        if (err) this.#takeBack(w)
      })
    }
    this.#onEmpty?.()
  }

  #takeBack(w: WorkerRecord): void {
    const back = this.#handed.get(w)
    this.#handed.delete(w)
    if (back) this.#waiting.unshift(back)
    this.#handOff()
  }

  /**
   * The free worker that has waited longest, passing over one that leads the others' connections
   * (share.ts) while they may still take theirs: it stays free, first in line once the hold ends.
   */
  #nextFree(): WorkerRecord | undefined {
    let ready: WorkerRecord[] | undefined
    for (const w of this.#free) {
      if (w.state !== 'ready' || !w.process.isConnected()) {
        this.#free.delete(w)
        continue
      }
      const ahead = leads(w, (ready ??= this.#arbiter.ready()))
      if (ahead && this.#holding()) continue
      this.#free.delete(w)
      if (ahead) this.pastHold++
      else this.#endHold()
      return w
    }
    return undefined
  }

  /** A hold is on, or starts now; false once it has lasted HOLD_MS (a worker that is stuck holds nobody up longer). */
  #holding(): boolean {
    const now = performance.now()
    if (this.#holdSince === undefined) {
      this.#holdSince = now
      // Over when it fires, whatever the clocks say: a timer may fire a fraction of a ms early by performance.now().
      this.#holdTimer = setTimeout(() => { this.#holdTimer = undefined; this.#holdSince = -Infinity; this.#handOff() }, HOLD_MS)
      this.#holdTimer.unref()
    }
    return now - this.#holdSince < HOLD_MS
  }

  #endHold(): void {
    this.#holdSince = undefined
    clearTimeout(this.#holdTimer)
    this.#holdTimer = undefined
  }

  /** Resolves when every connection that arrived has been taken by a worker (or after timeoutMs). */
  flushed(timeoutMs: number): Promise<boolean> {
    if (this.#waiting.length === 0 && this.#handed.size === 0) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), timeoutMs)
      const done = (ok: boolean) => { clearTimeout(timer); this.#onEmpty = undefined; resolve(ok) }
      this.#onEmpty = () => { if (this.#waiting.length === 0 && this.#handed.size === 0) done(true) }
    })
  }

  /** Close the connections still waiting (a fast stop). */
  dropWaiting(): void {
    if (this.#waiting.length > 0) this.#log.warn(`Closing ${this.#waiting.length} connections no worker took`)
    for (const { connection } of this.#waiting.splice(0)) connection.close()
    for (const { connection } of this.#handed.values()) connection.close()
    this.#handed.clear()
    this.#onEmpty?.()
  }
}
