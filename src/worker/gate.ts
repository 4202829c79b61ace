/**
 * The worker model's admission rule. async: up to `limit` requests at once; past it, an immediate
 * 503 so a client retries elsewhere rather than hanging (Gunicorn's worker_connections, enforced).
 * sync: one request at a time, the rest wait in arrival order (Gunicorn's sync worker), and the
 * queue too is capped at `limit`.
 */
export type Admission = 'run' | 'queued' | 'full'

export class Gate {
  #running = 0
  readonly #queue: (() => void)[] = []
  readonly #concurrency: number
  readonly #limit: number

  constructor(concurrency: number, limit: number) {
    this.#concurrency = concurrency
    this.#limit = limit
  }

  get running(): number { return this.#running }
  get waiting(): number { return this.#queue.length }

  /** Take a running slot if one is free (the common case: no closure, no queue). */
  enter(): boolean {
    if (this.#running >= this.#concurrency) return false
    this.#running++
    return true
  }

  /** With no free slot: queue `start` to run when one frees, or refuse when the queue is full too. */
  wait(start: () => void): Exclude<Admission, 'run'> {
    if (this.#running + this.#queue.length >= this.#limit) return 'full'
    this.#queue.push(start)
    return 'queued'
  }

  /**
   * A running request finished: hand its slot to the next queued one, if any. The next starts on
   * a microtask, not inside this call: a request that finishes synchronously would otherwise start
   * the next inside its own stack, and a long queue of those would overflow it.
   */
  leave(): void {
    if (this.#queue.length === 0) {
      this.#running--
      return
    }
    queueMicrotask(this.#queue.shift()!)
  }

  /** A queued request went away (client disconnect) before it started. */
  cancel(start: () => void): boolean {
    const i = this.#queue.indexOf(start)
    if (i < 0) return false
    this.#queue.splice(i, 1)
    return true
  }
}

export function overloaded(res: import('node:http').ServerResponse, limit: number): void {
  const body = `worker at its limit of ${limit} requests in flight\n`
  res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), 'retry-after': '1' })
  res.end(body)
}
