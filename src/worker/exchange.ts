/**
 * One request and its answer, as the worker tracks it; it is also the `ctx` the app receives.
 * What most requests never use is made only when asked for: the request id, the client address,
 * the signal and the child logger. On a hello-world request each of these cost more than the
 * handler (profiled with perf; see bench/README.md). The signal is a LightSignal (io/light-signal.ts):
 * an app that passes ctx.signal to gather() reads it on every request, and a real AbortSignal
 * costs about 3 µs to make on Node 20.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Logger } from 'pino'
import type { ClientCertificate, RequestContext } from '../app/types.js'
import { clientCertificateOf } from '../protocols/client-certificate.js'
import { peerOf, protocolOf } from './forwarded.js'
import type { Linked } from './in-flight.js'
import { LightSignal } from '../io/light-signal.js'
import type { Waiter } from '../overload/admission.js'

let counter = 0
const idPrefix = process.pid.toString(36) + '-'

/** What every request of a worker shares. */
export interface WorkerScope { readonly workerId: number; readonly log: Logger }

/** Where the client is, when a trusted proxy said so (forwarded.ts); otherwise read from the socket on demand. */
export interface Told { clientIp: string; protocol: string; requestId: string | undefined }

export class Exchange implements RequestContext, Linked<Exchange> {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  /** performance.now() at arrival: one monotonic clock read per request (Date is derived when logged). */
  readonly startMs = performance.now()
  route: string | undefined = undefined
  started = false
  /** Counted and logged: Requests#finish ran for it. */
  done = false
  /** The request has a Transfer-Encoding (a streamed body, counted against --max-body-size). */
  chunked = false
  bodyBytes = 0
  /** A long-lived response (streams.ts): no deadline, ended cleanly when a drain runs out. */
  stream = false
  timer: NodeJS.Timeout | undefined = undefined
  /** performance.now() when it got its slot: service time, which the adaptive limit samples, runs from here. */
  admittedMs = 0
  /** Set when it waited in the overload queue (it was not admitted on arrival). */
  waiter: Waiter | undefined = undefined
  /** It holds a slot of --worker-connections outside the adaptive limit (a stream route). */
  held = false
  prev: Exchange | undefined = undefined
  next: Exchange | undefined = undefined
  readonly #scope: WorkerScope
  #told: Told | undefined
  #requestId: string | undefined = undefined
  #signal: LightSignal | undefined = undefined
  #abortReason: unknown = undefined
  #log: Logger | undefined = undefined

  constructor(req: IncomingMessage, res: ServerResponse, scope: WorkerScope, told: Told | undefined) {
    this.req = req
    this.res = res
    this.#scope = scope
    this.#told = told
  }

  get workerId(): number { return this.#scope.workerId }
  get requestId(): string { return (this.#requestId ??= this.#told?.requestId ?? idPrefix + (++counter).toString(36)) }
  get clientIp(): string { return this.#told ? this.#told.clientIp : peerOf(this.req) }
  get protocol(): string { return this.#told ? this.#told.protocol : protocolOf(this.req) }

  get clientCertificate(): ClientCertificate | undefined { return clientCertificateOf(this.req) }

  get signal(): AbortSignal {
    if (!this.#signal) {
      this.#signal = new LightSignal()
      if (this.#abortReason !== undefined) LightSignal.abort(this.#signal, this.#abortReason)
    }
    return this.#signal
  }

  get aborted(): boolean { return this.#abortReason !== undefined }

  get log(): Logger {
    return (this.#log ??= this.#scope.log.child({ requestId: this.requestId }))
  }

  /** Name the route for metrics ("/api/products/:id"); otherwise corral derives one from the path. */
  setRoute(pattern: string): void {
    this.route = pattern
  }

  /** This response is a stream (docs/streaming.md): no --request-timeout, and a drain ends it cleanly. */
  streaming(): void {
    this.stream = true
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
  }

  abort(reason: unknown): void {
    if (this.#abortReason !== undefined) return
    this.#abortReason = reason
    if (this.#signal) LightSignal.abort(this.#signal, reason)
  }

  elapsedMs(now = performance.now()): number {
    return now - this.startMs
  }

  /** Wall-clock arrival time, for logs. */
  get startedAt(): number {
    return Math.round(performance.timeOrigin + this.startMs)
  }
}
