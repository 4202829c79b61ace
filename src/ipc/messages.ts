/**
 * The wire format between the arbiter and its workers: JSON objects over the Node IPC channel
 * that node:cluster opens for each worker. This file is the contract; arbiter/ and worker/ never
 * import each other, only this.
 *
 * A message that expects an answer carries `seq`; the answer carries the same number as `ack`
 * (Node cluster's own seq/ack scheme). Every message has `type`; the channel ignores objects
 * without one (node:cluster's internal messages travel on the same pipe).
 */
import type { ErrorData } from '../errors.js'

/**
 * A write to an in-process cache, shared with the other workers (io/cache/peers.ts): the same
 * shape as io's PeerOp, which this file may not import (io/ knows nothing of the server).
 */
export type CacheOp =
  | { cache: string; op: 'set'; key: string; value: unknown; ttlMs: number }
  | { cache: string; op: 'del'; key: string }

/** A request a worker is in the middle of, as a heartbeat reports it. */
export interface InFlightRequest { method: string; url: string; ms: number; id: string }

/**
 * A worker's admission (overload/), as each heartbeat reports it: its limit now, requests running,
 * waiting and held (open WebSockets), shed requests by reason since it was spawned, how many waited
 * in the queue and their total wait, and the no-load baseline and last window's median service time
 * the limit follows (null before any were measured, and with a static limit).
 */
export interface OverloadStatus {
  limit: number; running: number; waiting: number; held: number
  shed: { full: number; timeout: number; gone: number }
  queued: number; queuedMs: number
  baselineMs: number | null; latencyMs: number | null
  /** The event loop's utilisation over the limit's last step, 0..1 (what tells a full worker from slow I/O). */
  utilization: number | null
  /** Downstream pressure over the limit's last step, 0..1: the share of time spent downstream that was queued in the worker's own pools and upstream limits. */
  pressure: number | null
  /** Of the gathers with budgets (gather()'s timeoutMs) that ended in the limit's last window, the share with a call past its budget, 0..1. */
  budgetsMissed: number | null
  /** Requests a second the worker gets through at a full event loop, as the limit learnt it (concurrency/limit.ts). */
  capacity: number | null
  /** corral/io's operations of this worker waiting in its own queues, and in service downstream, now. */
  downstream: { queued: number; busy: number }
  /** HTTP/1 connections not read now: resting after a refusal (overload/pace.ts). */
  resting: number
}

export type WorkerMessage =
  /** Booted: app loaded, listening, readiness check passed. */
  | { type: 'ready'; pid: number; listening: string[]; balance: string }
  /** The app could not load, or the worker could not listen. The worker exits right after. */
  | { type: 'boot-failed'; error: ErrorData }
  /**
   * Sent from the event loop every beat interval; a missing beat means the loop is blocked.
   * `pastHold`: the connections this worker took from copies of a socket sent to it past a hold
   * (`burst` with `pastHold`), since it started.
   */
  | { type: 'beat'; at: number; served: number; inFlight: number; connections: number; pastHold: number; oldest: InFlightRequest[]; rss: number; loopLagMs: number; loopUtilization: number; overload?: OverloadStatus }
  /** Answer to collect-metrics: prom-client's registry.getMetricsAsJSON(). */
  | { type: 'metrics'; ack: number; metrics: unknown[] }
  /** The worker has started draining (after retire or a signal of its own). */
  | { type: 'draining'; reason: string }
  /**
   * SIGTERM reached the worker from outside (the arbiter never sends it one). The worker keeps
   * serving and leaves the decision to the arbiter: most often the whole process group got it and
   * the arbiter is stopping, and a worker that closed its listener by itself would reset the
   * connections still waiting to be accepted.
   */
  | { type: 'signalled'; signal: 'SIGTERM' }
  /**
   * A connection handed over with `connection` has been taken: the worker may be given the next.
   * `open`: the connections it holds now, this one included (arbiter/share.ts balances on it).
   */
  | { type: 'accepted'; open: number }
  /**
   * The worker is closing and did not read from the connection it was handed: the master, which
   * kept its own copy of the descriptor, gives it to another worker.
   */
  | { type: 'refused' }
  /**
   * The copy of the master's listening socket number `listener` that a `burst` message asked for,
   * sent back with the socket as the message's handle: the master holds it, unwatched, while the
   * workers accept (arbiter/burst.ts).
   */
  | { type: 'burst-copy'; listener: number }
  /**
   * During a burst, the worker took its batch from a copy of listener `listener`'s socket and closed
   * it, or its loop is busy and it can watch one copy more (worker/intake.ts): the master sends it
   * another copy while the burst lasts. `open`: the connections it holds now (arbiter/share.ts).
   */
  | { type: 'burst-more'; listener: number; open: number }
  /**
   * Its event loop stalled past --stall-threshold (worker/stalls.ts): the counts since it was
   * spawned, stalls of its code and starved ones (it waited for a CPU), and the last stall of its
   * code. role: running (the first route's handler ran it), in_flight (the routes were in flight),
   * none (no request was). Sent at most four times a second, with the latest counts.
   */
  | { type: 'stall'; stalls: number; starved: number; last?: { at: number; ms: number; role: 'running' | 'in_flight' | 'none'; routes: string[] } }
  /**
   * A set or del on one of its in-process caches, for every other worker. The arbiter answers
   * `cache-published` once they all applied it (or did not answer within its wait).
   */
  | { type: 'cache-publish'; seq: number; op: CacheOp }
  /** Answer to cache-apply: the op is applied to this worker's caches. */
  | { type: 'cache-applied'; ack: number }
  /**
   * With --reload only: local files the worker has loaded (its app's module graph), absolute paths.
   * Sent before `ready` or `boot-failed` with what the boot loaded, then with each file loaded later.
   */
  | { type: 'modules'; files: string[] }

export type ArbiterMessage =
  /** Drain and exit 0: stop accepting, finish in-flight requests, close keep-alive sockets. A worker still booting drains once it is up. */
  | { type: 'retire'; reason: string }
  /** Close everything now and exit (SIGINT/SIGQUIT on the master). */
  | { type: 'stop-now' }
  | { type: 'collect-metrics'; seq: number }
  /** Reopen log files (SIGUSR1 on the master, after logrotate moved them). */
  | { type: 'reopen-logs' }
  /**
   * A connection the master accepted on its listener number `listener`, sent with the socket as the
   * message's handle (Node's IPC passes the descriptor). The worker answers `accepted`.
   */
  | { type: 'connection'; listener: number }
  /**
   * A burst of connections (arbiter/burst.ts): with `on`, accept from the master's listening socket
   * number `listener` (the message's handle) until told otherwise, and with `copy` first send that
   * socket straight back (`burst-copy`); without `on`, stop accepting from it. `pastHold`: the copy
   * was sent while this worker still led the others' connections, its hold over (arbiter/share.ts);
   * the worker counts what it takes from it, and its beats report the count.
   */
  | { type: 'burst'; listener: number; on: boolean; copy?: true; pastHold?: true }
  /** Another worker's cache write, to apply here; answered with `cache-applied`. */
  | { type: 'cache-apply'; seq: number; op: CacheOp }
  /** Answer to cache-publish: the other workers have applied it. */
  | { type: 'cache-published'; ack: number }

export type Message = WorkerMessage | ArbiterMessage

const workerTypes = new Set<WorkerMessage['type']>(['ready', 'boot-failed', 'beat', 'metrics', 'draining', 'signalled', 'accepted', 'refused', 'burst-copy', 'burst-more', 'stall', 'cache-publish', 'cache-applied', 'modules'])
const arbiterTypes = new Set<ArbiterMessage['type']>(['retire', 'stop-now', 'collect-metrics', 'reopen-logs', 'connection', 'burst', 'cache-apply', 'cache-published'])

export const isWorkerMessage = (m: unknown): m is WorkerMessage =>
  typeof m === 'object' && m !== null && workerTypes.has((m as { type: WorkerMessage['type'] }).type)

export const isArbiterMessage = (m: unknown): m is ArbiterMessage =>
  typeof m === 'object' && m !== null && arbiterTypes.has((m as { type: ArbiterMessage['type'] }).type)

/** Worker process exit codes: a contract between worker and arbiter, read by reap. */
export const WorkerExit = {
  /** Drained and exited after retire or SIGTERM. */
  ok: 0,
  /** Uncaught error or unhandled rejection while serving. */
  crash: 1,
  /** The app could not be loaded, or the worker could not bind (a boot-failed message was sent). */
  bootFailed: 3,
} as const

/** Env vars the arbiter sets for each worker it spawns. */
export const WorkerEnv = {
  id: 'CORRAL_WORKER_ID',
  generation: 'CORRAL_GENERATION',
  /** JSON of the frozen settings, so a worker never parses config itself. */
  settings: 'CORRAL_SETTINGS_JSON',
  balance: 'CORRAL_BALANCE',
  /**
   * JSON list of the master's listening sockets, as logs show them ("http://127.0.0.1:8000"). When
   * set, the master accepts and hands each connection over (`connection`); the worker listens on
   * nothing itself. Unset with --balance reuseport or shared, where workers bind their own.
   */
  listeners: 'CORRAL_LISTENERS',
} as const
