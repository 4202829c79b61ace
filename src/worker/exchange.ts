/**
 * One request and its answer, as the worker tracks it; it is also the `ctx` the app receives.
 * The AbortController and the child logger are made only when the app asks for them: most
 * requests never touch either, and both cost more than a small handler.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Logger } from 'pino'
import type { RequestContext } from '../app/types.js'

let counter = 0
const idPrefix = process.pid.toString(36) + '-'

export class Exchange implements RequestContext {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly requestId: string
  readonly workerId: number
  readonly clientIp: string
  readonly protocol: string
  /** performance.now() at arrival: one monotonic clock read per request (Date is derived when logged). */
  readonly startMs = performance.now()
  route: string | undefined
  started = false
  /** The request has a Transfer-Encoding (a streamed body, counted against --max-body-size). */
  chunked = false
  bodyBytes = 0
  timer: NodeJS.Timeout | undefined
  /** The gate's callback for a queued request (sync worker class). */
  start: (() => void) | undefined
  #controller: AbortController | undefined
  #abortReason: unknown
  #log: Logger | undefined
  readonly #parentLog: Logger

  constructor(req: IncomingMessage, res: ServerResponse, workerId: number, clientIp: string, protocol: string, requestId: string | undefined, log: Logger) {
    this.req = req
    this.res = res
    this.workerId = workerId
    this.clientIp = clientIp
    this.protocol = protocol
    this.requestId = requestId ?? idPrefix + (++counter).toString(36)
    this.#parentLog = log
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController()
      if (this.#abortReason !== undefined) this.#controller.abort(this.#abortReason)
    }
    return this.#controller.signal
  }

  get aborted(): boolean { return this.#abortReason !== undefined }

  get log(): Logger {
    return (this.#log ??= this.#parentLog.child({ requestId: this.requestId }))
  }

  /** Name the route for metrics ("/api/products/:id"); otherwise corral derives one from the path. */
  setRoute(pattern: string): void {
    this.route = pattern
  }

  abort(reason: unknown): void {
    if (this.#abortReason !== undefined) return
    this.#abortReason = reason
    this.#controller?.abort(reason)
  }

  elapsedMs(now = performance.now()): number {
    return now - this.startMs
  }

  /** Wall-clock arrival time, for logs. */
  get startedAt(): number {
    return Math.round(performance.timeOrigin + this.startMs)
  }
}
