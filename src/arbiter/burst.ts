/**
 * Bursts of new connections (--burst-intake; round-robin only): while more connections wait in the
 * master's line than BURST_LINE, the workers accept from the listening sockets themselves and the
 * master stops accepting, until its line is empty again.
 *
 * Why: the master hands a worker one connection per turn of the worker's event loop (Node's IPC
 * channel sends the next descriptor only once the worker has acknowledged the last one, dispatch.ts).
 * A worker busy serving turns its loop a few hundred times a second, so a burst of new connections
 * waits in the line for seconds, and the first request of each is the slowest answer of its level.
 * Measured on 2 CPUs, Node 20 (bench/fanout-overload.ts, sockets counted per process with `ss`
 * every 250 ms): 1,000 connections opened at once took 2.5 s to reach the workers, the fan-out's
 * p99 at that level was 1.7 s against 0.7 s with every worker accepting for itself (--balance
 * shared, same run), and at 10,000 connections 6,057 were still in the master's line after 9 s.
 * The kernel hands a worker every waiting connection in one turn.
 *
 * On by default, and only for the async worker class with the overload control on (cli/serve.ts):
 * a stampede handed straight to workers that cannot refuse what they cannot serve collapsed where
 * the slow hand-off had spread it out. docs/balance.md has the figures.
 *
 * What round-robin keeps: the listening sockets stay the master's. The master holds a spare copy
 * of each socket that it does not watch (a listening net.Server cannot stop accepting without
 * closing, listeners.ts): the socket is sent to a ready worker and straight back. A burst closes the
 * watched one at once, in the callback of the connection that made the line too long (the master,
 * whose loop is idle, would otherwise take the whole burst into its line before any worker saw
 * it), and ends by accepting on the spare, before a stop or an upgrade too; then a new spare is
 * fetched. A worker that drains, or dies, closes only its own copy: the socket and its queue live
 * on in the master's. Outside bursts a worker whose loop is stuck still holds one connection at most.
 *
 * A worker takes a few connections from each copy of a socket and asks for another (`burst-more`,
 * worker/intake.ts), and one whose loop is busy watches several copies at once: libuv accepts one
 * connection per copy per turn of the loop, so its copies are how many it takes a turn, where
 * round-robin hands it one.
 *
 * TCP listeners only: closing a unix socket's listener removes the socket's file (libuv unlinks the
 * path it bound), which would refuse every client until the master bound it again.
 */
import type { SendHandle } from 'node:child_process'
import type { Server } from 'node:net'
import type { Logger } from '../logging/logger.js'
import { send } from '../ipc/channel.js'
import type { Listener } from './listeners.js'
import type { WorkerRecord } from './worker-record.js'
import { HOLD_MS, leads } from './share.js'

/**
 * A line this long is a burst: a few turns of each worker's loop. Every connection in the line when
 * the burst starts still waits its turn, and a burst that ends while clients still connect leaves
 * another line this long behind it; the fewer, the better, as long as a short wait of a healthy
 * server starts none. With 64 and 1 s the fan-out's p99 at 1,000 connections was 1.4 s, with 16 and
 * 2 s 1.0 s (one run each, 2 CPUs, Node 20; round-robin alone 1.9 s).
 */
export const BURST_LINE = 16
/** The shortest burst: the master takes connections back no sooner, even with its line empty. */
const BURST_MIN_MS = 2000
const CHECK_MS = 100
/** The start of a burst is logged at most this often (clients that open a connection per request make many). */
const LOG_EVERY_MS = 60_000

/** libuv's TCP handle of a listening socket (the master's own, or the copy a worker sent back). */
interface SocketHandle { close(): void }

export interface BurstOptions {
  listeners: readonly Listener[]
  log: Logger
  /** Workers that may accept now (ready, not draining). */
  ready(): WorkerRecord[]
  /** Connections in the master's line, and handed over but not yet taken. */
  line(): number
  /** The master accepts on listener i again, on `handle`, its copy of the socket. */
  resume(i: number, handle: SocketHandle): void
}

export class Burst {
  readonly #o: BurstOptions
  /** The listeners bursts cover: the TCP ones that listen (a deferred one has no port before it opens). */
  #tcp: number[] = []
  #on = false
  /** Per listener, the master's copy of its socket that nothing watches. */
  #spares: (SocketHandle | undefined)[] = []
  /**
   * The spares for the next burst, fetched while this one runs: a burst that ends while clients
   * still connect (the workers had not yet taken the whole queue) starts again as soon as the line
   * is long again, instead of waiting for a worker's loop to send a copy.
   */
  #next: (SocketHandle | undefined)[] = []
  #asked = false
  #startedAt = 0
  #timer: NodeJS.Timeout | undefined
  #lastLog = -Infinity
  #quiet = 0
  /** This burst's start was logged: so is its end. */
  #logged = false
  #paused = false
  /** Bursts so far. */
  count = 0
  /** Copies of a socket sent to workers during bursts beyond each one's first (worker/intake.ts). */
  copies = 0
  /** Of those, the copies sent to a worker that still led the others when its hold ran out (HOLD_MS). */
  pastHold = 0
  /** The connections the workers took from those copies, as their beats last reported (reported()). */
  takenPastHold = 0
  readonly #taken = new WeakMap<WorkerRecord, number>()
  /**
   * Workers that asked for another copy while they led the others' connections (share.ts), and the
   * listeners they asked for: sent once the others have caught up, or HOLD_MS after the first ask.
   */
  readonly #deferred = new Map<WorkerRecord, number[]>()
  #deferTimer: NodeJS.Timeout | undefined

  constructor(o: BurstOptions) {
    this.#o = o
  }

  /** A worker is ready: it accepts too during a burst; and it can fetch the spares. */
  joined(w: WorkerRecord): void {
    if (this.#on) this.#tell(w, true)
    else this.#fetchSpares(w)
  }

  /** A worker sent back its copy of listener i's socket: the spare, unless there is one. */
  copied(i: number, handle: SocketHandle): void {
    this.#asked = false
    const into = this.#on ? this.#next : this.#spares
    if (into[i] || !this.#tcp.includes(i)) handle.close()
    else into[i] = handle
  }

  /**
   * The master's line grew (called from the connection's accept callback): with it long, spares at
   * hand and workers to accept, stop accepting now and let the workers take the rest.
   */
  check(waiting: number): void {
    if (this.#on || this.#paused || waiting < BURST_LINE) return
    const workers = this.#o.ready()
    if (workers.length === 0) return
    if (this.#tcp.some((i) => !this.#spares[i]) || this.#tcp.length === 0) return this.#fetchSpares(workers[0]!)
    this.#on = true
    this.count++
    for (const i of this.#tcp) this.#o.listeners[i]!.server.close()
    this.#asked = true
    for (const w of workers) this.#tell(w, true, w === workers[0])
    this.#startedAt = performance.now()
    this.#timer = setInterval(() => {
      if (this.#o.line() === 0 && performance.now() - this.#startedAt >= BURST_MIN_MS) this.end()
    }, CHECK_MS).unref()
    const now = performance.now()
    if (now - this.#lastLog >= LOG_EVERY_MS) {
      this.#o.log.info({ waiting }, `Burst: ${waiting} connections wait for a worker; the workers accept from the listening sockets themselves until the line is empty${this.#quiet ? ` (${this.#quiet} more bursts since the last line)` : ''}`)
      this.#lastLog = now
      this.#quiet = 0
      this.#logged = true
    } else this.#quiet++
  }

  /** w took its few from a copy of listener i's socket, or its loop is busy and it can watch one more: while the burst lasts, it gets one. */
  more(w: WorkerRecord, i: number): void {
    const ready = this.#o.ready()
    if (!this.#on || !this.#tcp.includes(i) || !ready.includes(w)) return
    if (leads(w, ready)) {
      const asked = this.#deferred.get(w)
      if (asked) asked.push(i)
      else this.#deferred.set(w, [i])
      if (!this.#deferTimer) (this.#deferTimer = setTimeout(() => { this.#deferTimer = undefined; this.#release(true) }, HOLD_MS)).unref()
    } else this.#grant(w, i)
    // w's count is new: a worker that waited on it may have its copy now.
    if (this.#deferred.size > 0) this.#release(false)
  }

  #grant(w: WorkerRecord, i: number, pastHold = false): void {
    this.copies++
    this.#send(w, { type: 'burst', listener: i, on: true, ...(pastHold ? { pastHold: true as const } : {}) }, this.#spares[i])
  }

  /** w's beat says how many connections it has taken from copies sent past a hold, since it started. */
  reported(w: WorkerRecord, pastHold: number): void {
    this.takenPastHold += pastHold - (this.#taken.get(w) ?? 0)
    this.#taken.set(w, pastHold)
  }

  /** Send the deferred copies of workers that no longer lead, or with `all` every one (the hold is over). */
  #release(all: boolean): void {
    const ready = this.#o.ready()
    for (const [w, asked] of this.#deferred) {
      if (!ready.includes(w)) {
        this.#deferred.delete(w)
        continue
      }
      const ahead = leads(w, ready)
      if (ahead && !all) continue
      this.#deferred.delete(w)
      if (!this.#on) continue
      if (ahead) this.pastHold += asked.length
      for (const i of asked) this.#grant(w, i, ahead)
    }
    if (this.#deferred.size === 0 && this.#deferTimer) {
      clearTimeout(this.#deferTimer)
      this.#deferTimer = undefined
    }
  }

  /** A worker left (it may have been asked for the spares): with none left to accept, the master takes its sockets back. */
  left(): void {
    this.#asked = false
    if (this.#on && this.#o.ready().length === 0) this.end()
  }

  /** Back to round-robin, and no burst until resume(): the master is stopping, or hands its sockets to a new master. */
  pause(): void {
    this.#paused = true
    this.end()
  }

  /** An upgrade failed: bursts again. */
  resume(): void {
    this.#paused = false
  }

  /** Back to round-robin now: the master accepts on its spares and tells every worker to stop. */
  end(): void {
    if (!this.#on) return
    clearInterval(this.#timer)
    this.#on = false
    this.#release(true)
    for (const i of this.#tcp) this.#o.resume(i, this.#spares[i]!)
    this.#spares = this.#next
    this.#next = []
    const workers = this.#o.ready()
    for (const w of workers) for (const i of this.#tcp) send(w.process, { type: 'burst', listener: i, on: false })
    const ms = Math.round(performance.now() - this.#startedAt)
    if (this.#logged) this.#o.log.info({ ms }, `Burst over after ${ms} ms: the master accepts and hands connections round-robin again`)
    this.#logged = false
    if (!this.#paused && workers[0]) this.#fetchSpares(workers[0])
  }

  /** Ask w to send each listening TCP socket straight back (one request at a time). */
  #fetchSpares(w: WorkerRecord): void {
    if (this.#asked || this.#paused) return
    this.#tcp = this.#o.listeners.flatMap((l, i) => (l.port !== undefined && l.server.listening ? [i] : []))
    const missing = this.#tcp.filter((i) => !this.#spares[i])
    if (missing.length === 0) return
    this.#asked = true
    for (const i of missing) this.#send(w, { type: 'burst', listener: i, on: false, copy: true }, this.#handleOf(i))
  }

  /** Send w listener i's socket to accept on (the spare, which the master does not watch during a burst), and with `copy` to send back. */
  #tell(w: WorkerRecord, on: boolean, copy = false): void {
    for (const i of this.#tcp) this.#send(w, { type: 'burst', listener: i, on, ...(copy ? { copy: true as const } : {}) }, this.#spares[i])
  }

  #handleOf(i: number): SocketHandle | undefined {
    return (this.#o.listeners[i]!.server as Server & { _handle?: SocketHandle })._handle ?? undefined
  }

  #send(w: WorkerRecord, message: { type: 'burst'; listener: number; on: boolean; copy?: true; pastHold?: true }, handle: SocketHandle | undefined): void {
    if (!handle) return
    try {
      w.process.send(message, handle as unknown as SendHandle, {}, () => {})
    } catch { /* the worker is gone: its exit is handled elsewhere */ }
  }
}
