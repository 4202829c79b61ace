/**
 * A pool of worker threads: piscina starts, replaces and talks to the threads; corral keeps the
 * queue in front of them. offload() (io/offload) and the threads worker class (worker/threads.ts)
 * both run on it.
 *
 * The queue is corral's own because piscina's cannot say whether a task it holds has started, and
 * an abort means two different things: a task still waiting is dropped and its place freed at
 * once; a task already running is abandoned (the caller gets the abort at once) and left to finish
 * on its thread, and only if it is still running `abandonMs` later is the thread terminated and
 * replaced. So a task reaches piscina only when a thread is free, and every task piscina holds is
 * running (or, for the moment a replacement thread boots, about to).
 */
import type { TransferListItem } from 'node:worker_threads'
import { Piscina } from 'piscina'
import { corralError } from '../errors.js'

export type TaskOutcome =
  /** Finished and answered. */
  | 'ok'
  /** The task threw; the caller got its error. */
  | 'error'
  /** The caller's signal aborted while the task waited: it never ran. */
  | 'dropped'
  /** The caller's signal aborted while it ran; it finished within the bound, unheard. */
  | 'abandoned'
  /** Abandoned, then still running at the bound: its thread was terminated and replaced. */
  | 'recycled'
  /** Refused: the queue was full. */
  | 'full'

export interface Settled { outcome: TaskOutcome; waitMs: number; runMs: number }

export interface ThreadPoolOptions {
  /** The module every thread runs tasks with (its default export is called with each task). */
  filename: string
  threads: number
  /** Tasks that may wait for a thread; past it, run() rejects with CORRAL_ERR_OFFLOAD_FULL. */
  maxQueue: number
  /** How long an abandoned task may keep its thread before the thread is replaced; 0: at once. */
  abandonMs: number
  /** Told of every task's end (metrics). */
  onSettled?: (task: unknown, settled: Settled) => void
}

export interface RunOptions {
  signal?: AbortSignal
  /** Moved to the thread, not copied. */
  transfer?: readonly TransferListItem[]
}

interface Entry {
  task: unknown
  transfer: readonly TransferListItem[] | undefined
  signal: AbortSignal | undefined
  resolve: (value: unknown) => void
  reject: (err: unknown) => void
  queuedAt: number
  startedAt: number
  /** The caller has its answer (the result, an error or the abort); whatever comes later is dropped. */
  answered: boolean
  onAbort: (() => void) | undefined
  /** Aborts the task in piscina, which terminates its thread: used only past the abandon bound. */
  kill: AbortController | undefined
  killTimer: NodeJS.Timeout | undefined
  /** Its place in the queue while it waits. */
  slot: number
}

export class ThreadPool {
  readonly threads: number
  readonly #o: ThreadPoolOptions
  readonly #piscina: Piscina
  // An array used as a deque: entries before #head are gone. A dropped entry is set to undefined
  // where it stands (each entry knows its place), so a client that leaves costs no search.
  #queue: (Entry | undefined)[] = []
  #head = 0
  /** What #queue[0]'s slot number is: slots count up for ever; the array is compacted now and then. */
  #base = 0
  #queued = 0
  #running = 0
  #closed = false

  constructor(o: ThreadPoolOptions) {
    this.#o = o
    this.threads = o.threads
    this.#piscina = new Piscina({
      filename: o.filename,
      minThreads: o.threads,
      maxThreads: o.threads,
      idleTimeout: Infinity,
      // corral holds the queue; piscina's would only ever hold a task for a thread still booting.
      maxQueue: Infinity,
      // piscina's default ('sync') parks an idle thread in Atomics.wait, which also parks any async
      // work a task left on the thread's event loop (timers, a body being read) until the next
      // task arrives. 'disabled' keeps each thread's loop running; a bare 2-thread pool answering
      // hello measured 2319 req/s with it and 1785 without (one noisy run on 2 shared cores).
      atomics: 'disabled',
    })
    // A thread that dies is replaced by piscina; the error already reached the task's caller.
    this.#piscina.on('error', () => {})
  }

  /** Tasks waiting for a thread. */
  get queued(): number { return this.#queued }
  /** Threads running a task, abandoned ones included. */
  get busy(): number { return this.#running }

  run(task: unknown, options: RunOptions = {}): Promise<unknown> {
    const { signal } = options
    if (this.#closed) return Promise.reject(corralError('CORRAL_ERR_OFFLOAD_CLOSED'))
    if (signal?.aborted) {
      this.#o.onSettled?.(task, { outcome: 'dropped', waitMs: 0, runMs: 0 })
      return Promise.reject(signal.reason)
    }
    if (this.#running >= this.threads && this.#queued >= this.#o.maxQueue) {
      this.#o.onSettled?.(task, { outcome: 'full', waitMs: 0, runMs: 0 })
      return Promise.reject(corralError('CORRAL_ERR_OFFLOAD_FULL', this.#queued, this.threads))
    }
    return new Promise((resolve, reject) => {
      const entry: Entry = {
        task, transfer: options.transfer, signal, resolve, reject, queuedAt: performance.now(), startedAt: 0,
        answered: false, onAbort: undefined, kill: undefined, killTimer: undefined, slot: 0,
      }
      if (signal) {
        entry.onAbort = () => this.#abort(entry)
        signal.addEventListener('abort', entry.onAbort, { once: true })
      }
      if (this.#running < this.threads) this.#start(entry)
      else {
        entry.slot = this.#base + this.#queue.length
        this.#queue.push(entry)
        this.#queued++
      }
    })
  }

  #start(entry: Entry): void {
    this.#running++
    entry.startedAt = performance.now()
    // Only a task whose caller can abort may ever need its thread terminated.
    if (entry.signal) entry.kill = new AbortController()
    this.#piscina.run(entry.task, { signal: entry.kill?.signal, transferList: entry.transfer as TransferListItem[] | undefined })
      .then((value) => this.#ended(entry, undefined, value), (err) => this.#ended(entry, err ?? new Error('the task failed'), undefined))
  }

  #ended(entry: Entry, err: unknown, value: unknown): void {
    this.#running--
    if (entry.killTimer) clearTimeout(entry.killTimer)
    const runMs = performance.now() - entry.startedAt
    const waitMs = entry.startedAt - entry.queuedAt
    let outcome: TaskOutcome
    // Threads terminated by close() fail their tasks with piscina's own error: say it in ours.
    if (this.#closed && err !== undefined) err = corralError('CORRAL_ERR_OFFLOAD_CLOSED')
    if (entry.answered) outcome = entry.kill?.signal.aborted ? 'recycled' : 'abandoned'
    else {
      entry.answered = true
      if (entry.onAbort) entry.signal!.removeEventListener('abort', entry.onAbort)
      if (err === undefined) { outcome = 'ok'; entry.resolve(value) }
      else { outcome = 'error'; entry.reject(err) }
    }
    this.#o.onSettled?.(entry.task, { outcome, waitMs, runMs })
    this.#next()
  }

  #abort(entry: Entry): void {
    if (entry.answered) return
    entry.answered = true
    entry.reject(entry.signal!.reason)
    if (entry.startedAt === 0) {
      // Still waiting: free its place now.
      this.#queue[entry.slot - this.#base] = undefined
      this.#queued--
      this.#o.onSettled?.(entry.task, { outcome: 'dropped', waitMs: performance.now() - entry.queuedAt, runMs: 0 })
      return
    }
    const kill = entry.kill!
    if (this.#o.abandonMs === 0) kill.abort()
    else entry.killTimer = setTimeout(() => kill.abort(), this.#o.abandonMs).unref()
  }

  #next(): void {
    while (this.#running < this.threads && this.#queued > 0) {
      const entry = this.#queue[this.#head]
      this.#queue[this.#head++] = undefined
      if (entry === undefined) continue
      this.#queued--
      this.#start(entry)
    }
    if (this.#head === this.#queue.length) {
      this.#base += this.#head
      this.#queue.length = 0
      this.#head = 0
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#base += this.#head
      this.#head = 0
    }
  }

  /** Terminate the threads; tasks still waiting or running reject with CORRAL_ERR_OFFLOAD_CLOSED. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (let i = this.#head; i < this.#queue.length; i++) {
      const entry = this.#queue[i]
      if (entry && !entry.answered) { entry.answered = true; entry.reject(corralError('CORRAL_ERR_OFFLOAD_CLOSED')) }
    }
    this.#queue = []
    this.#queued = 0
    await this.#piscina.destroy()
  }
}
