/**
 * The worker's request path: limits → admission (overload/admission.ts) → the app, with the
 * deadline, client-disconnect abort, metrics, access log and request hooks around it. It also
 * keeps the set of requests in flight that heartbeats report and drain waits for.
 */
import type { IncomingMessage } from 'node:http'
import { http } from '../builtins.js'
import { performance } from 'node:perf_hooks'
import type { Logger } from 'pino'
import type { Serve } from '../app/types.js'
import { failRequest } from '../app/fail.js'
import { corralError } from '../errors.js'
import { callHook, type Hooks, type WorkerView } from '../config/hooks.js'
import { behindRefusal, checkExpect, checkRequest, reject, watchBody, type Limits, type Rejection, type Scan } from './limits.js'
import { answerServerOptions } from './target.js'
import type { Admission, ShedReason, Waiter } from '../overload/admission.js'
import { shedResponse } from '../overload/shed.js'
import { backFromRest, forgive, pauseReading } from '../overload/pace.js'
import { origin } from './forwarded.js'
import { Exchange, type WorkerScope } from './exchange.js'
import { InFlight } from './in-flight.js'
import { armDeadline } from './deadline.js'
import { countBody, type AccessLog } from './access-log.js'
import { routeOf, type RequestMetrics } from './metrics.js'
import { endStream, isStream, streamRouteMatcher } from './streams.js'
import type { Stalls } from './stalls.js'

export interface RequestsOptions {
  serve: Serve
  limits: Limits
  admission: Admission
  /** Routes that skip the adaptive limit (--overload-priority-routes). */
  priority: (url: string) => boolean
  requestTimeout: number
  /** --stream-route: paths whose responses are streams (streams.ts). */
  streamRoutes: readonly string[]
  /** --keepalive, for the Keep-Alive header. */
  keepaliveMs: number
  trusted: (ip: string) => boolean
  workerId: number
  log: Logger
  accessLog?: AccessLog
  metrics?: RequestMetrics
  /** The loop-stall detector (--stall-threshold), told when a request runs and ends. */
  stalls?: Stalls
  hooks: Hooks
  worker: WorkerView
}

// An Error named AbortError, as fetch and undici throw (a DOMException's code is read-only).
const clientClosed = () => Object.assign(new Error('the client closed the connection'), { name: 'AbortError', code: 'CORRAL_CLIENT_CLOSED' })

/**
 * node:http's response with a slot for its Exchange, so one shared 'close' listener serves every
 * request. The slot is declared in the class (the server is created with it) rather than added to
 * each response: adding a property to Node's own objects gives them a second shape, and Node's
 * code that handles them then runs slower for every request.
 */
export class TrackedResponse extends http.ServerResponse {
  exchange: Exchange | undefined = undefined
  /** node:http's: the Keep-Alive header's timeout, which it copies from server.keepAliveTimeout. */
  declare _keepAliveTimeout: number
}

/**
 * A body that broke a rule while the app ran: the app's signal aborts with the reason, and the client
 * gets the refusal if nothing was sent yet, or a cut connection if something was (or the answer is out
 * already: a trailer is read after a quick app has answered, and the connection must not go on).
 */
function refuseBody(ex: Exchange, rejection: Rejection): void {
  ex.abort(corralError(rejection.code, rejection.detail))
  const { req, res } = ex
  if (!res.headersSent) reject(res, rejection)
  else if (res.writableFinished && !('stream' in req)) req.socket.destroy()
  else res.destroy()
}

export class Requests {
  readonly active = new InFlight<Exchange>()
  served = 0
  #draining = false
  #onIdle: (() => void) | undefined
  readonly #o: RequestsOptions
  readonly #hasRequestHooks: boolean
  readonly #isStreamRoute: ((url: string) => boolean) | undefined
  #endStreamsTimer: NodeJS.Timeout | undefined
  readonly #scope: WorkerScope
  /** Reused for every request: checkRequest fills it and handle() reads it at once. */
  readonly #scan: Scan = { chunked: false, forwarded: false }

  // One listener for all responses instead of a closure (and once-wrapper) per request.
  readonly #onClose: (this: TrackedResponse) => void

  constructor(options: RequestsOptions) {
    this.#o = options
    this.#hasRequestHooks = Boolean(options.hooks.preRequest || options.hooks.postRequest)
    this.#isStreamRoute = streamRouteMatcher(options.streamRoutes)
    this.#scope = { workerId: options.workerId, log: options.log }
    const requests = this
    this.#onClose = function (this: TrackedResponse) { requests.#finish(this.exchange!, !this.writableFinished) }
  }

  get draining(): boolean { return this.#draining }

  handle = (req: IncomingMessage, res: TrackedResponse): void => {
    const o = this.#o
    const scan = this.#scan
    if (behindRefusal(req, res)) return
    const rejection = checkRequest(req, o.limits, scan)
    if (rejection) {
      reject(res, rejection)
      return
    }
    this.#admit(req, res)
  }

  /**
   * A request with `Expect: 100-continue` (node:http's 'checkContinue'): its client waits for a 100
   * before it sends the body, so a request corral refuses gets its refusal instead (a 413 for a body
   * too large saves the upload), and any other gets its 100 now.
   */
  handleContinue = (req: IncomingMessage, res: TrackedResponse): void => {
    if (behindRefusal(req, res)) return
    const rejection = checkRequest(req, this.#o.limits, this.#scan) ?? checkExpect(req)
    if (rejection) {
      reject(res, rejection)
      return
    }
    res.writeContinue()
    this.#admit(req, res)
  }

  #admit(req: IncomingMessage, res: TrackedResponse): void {
    const o = this.#o
    const scan = this.#scan
    if (req.url!.charCodeAt(0) === 42 /* * */) {
      answerServerOptions(res)
      return
    }
    const ex = new Exchange(req, res, this.#scope, scan.forwarded ? origin(req, o.trusted) : undefined)
    ex.chunked = scan.chunked
    if (this.#draining) res.shouldKeepAlive = false
    if (o.accessLog) countBody(res, (n) => { ex.bodyBytes = n })
    res.exchange = ex
    // corral enforces --keepalive itself (keepalive.ts) and Node's own timeout is off, so tell the
    // client the real one, as Node would: clients stop reusing a connection before it runs out.
    if (o.keepaliveMs) res._keepAliveTimeout = o.keepaliveMs
    if (o.admission.enter()) return this.#start(ex, ex.startMs)
    this.#admitLater(ex)
  }

  /** At the limit: a priority route may still run, the rest wait or are shed (overload/admission.ts). */
  #admitLater(ex: Exchange): void {
    const o = this.#o
    const priority = o.priority(ex.req.url ?? '/')
    if (priority && o.admission.enterPriority()) return this.#start(ex, ex.startMs)
    // Shed last time on this connection: it goes before newcomers, within a bound (admission.ts).
    if (ex.req.httpVersionMajor === 1 && backFromRest(ex.req.socket, ex.startMs) && o.admission.enterReturning()) {
      forgive(ex.req.socket)
      return this.#start(ex, ex.startMs)
    }
    const requests = this
    const waiter: Waiter = {
      queuedAt: 0,
      settled: false,
      gone: () => ex.done || ex.res.destroyed,
      admit: (now) => {
        // Its client may have left in the microtask since its slot was given.
        if (ex.done || ex.res.destroyed) { o.admission.leave(NaN, now); return }
        requests.#start(ex, now)
      },
      shed: (reason) => requests.#shed(ex, reason),
    }
    const refused = o.admission.wait(waiter, priority, ex.startMs)
    if (refused) return this.#shed(ex, refused)
    // A queued request is watched from now: its client may leave before it starts.
    ex.waiter = waiter
    ex.res.on('close', this.#onClose)
  }

  #shed(ex: Exchange, reason: ShedReason): void {
    if (reason !== 'gone' && !ex.res.destroyed) {
      // A client that asked to close (Connection: close, HTTP/1.0 without keep-alive) is answered
      // with close, as RFC 9112 §9.6 requires of every answer; its connection ends, so nothing is paused.
      if (this.#draining) ex.res.shouldKeepAlive = false
      shedResponse(ex.res, this.#o.admission.refusing)
      if (ex.res.shouldKeepAlive) pauseReading(ex.req, this.#o.admission.limiter.restMs, this.#o.keepaliveMs, performance.now(), this.#o.admission.running)
    }
    this.#finish(ex, false)
  }

  #start(ex: Exchange, now: number): void {
    const o = this.#o
    ex.started = true
    ex.admittedMs = now
    this.active.add(ex)
    if (this.#isStreamRoute?.(ex.req.url ?? '/')) {
      ex.stream = true
      // A stream is open as long as its client listens: it holds a slot of --worker-connections, as
      // an open WebSocket does, outside the adaptive limit.
      ex.held = true
      o.admission.hold()
    }
    if (ex.chunked) watchBody(ex.req, o.limits.maxBodySize, (rejection) => refuseBody(ex, rejection))
    if (this.#hasRequestHooks) {
      // The preRequest hook is awaited, and the deadline covers it.
      this.#arm(ex, now)
      this.#serveWithHooks(ex)
      return
    }
    this.#serve(ex, now)
  }

  /**
   * Start the request's deadline (--request-timeout), counted from its admission. It is armed once the
   * app's synchronous part has returned without an answer, not before: no timer can fire while that
   * part runs, so the 504 comes when it would have anyway, and an answer given at once (most requests
   * of a fast API) costs no timer. Arming and clearing one cost 9% of a hello request's instructions
   * under callgrind on Node 26, more than a hot loop shows (0.1-0.3 µs, bench/micro/signals.ts): Node
   * keeps a list per duration and drops it when it empties, as it does between requests when every
   * answer is synchronous (bench/results/2026-12-07-stop62).
   */
  #arm(ex: Exchange, now: number): void {
    const ms = this.#o.requestTimeout
    if (ms > 0 && !ex.stream && ex.timer === undefined) armDeadline(ex, ms, ms - (now - ex.admittedMs))
  }

  #serve(ex: Exchange, now?: number): void {
    const stalls = this.#o.stalls
    const enteredAt = stalls ? stalls.entering(now ?? performance.now()) : 0
    try {
      const result = this.#o.serve(ex.req, ex.res, ex)
      if (result instanceof Promise) result.catch((err) => failRequest(ex.res, ex, err))
    } catch (err) {
      failRequest(ex.res, ex, err)
    }
    // The stall detector's clock read is the request's end too, when the app answered at once.
    this.#settle(ex, stalls ? stalls.ran(ex, enteredAt) : undefined)
  }

  async #serveWithHooks(ex: Exchange): Promise<void> {
    const view = { id: ex.requestId, method: ex.req.method ?? '', url: ex.req.url ?? '', headers: ex.req.headers }
    await callHook(this.#o.hooks, 'preRequest', this.#o.log, false, this.#o.worker, view)
    if (!ex.res.writableEnded) this.#serve(ex)
    else this.#settle(ex)
  }

  /**
   * After the app's synchronous part: a response it has already ended is counted now, and needs
   * no 'close' listener (the listener and its event cost more than a hello-world handler). Any
   * other is watched until its response closes, finished or cut by the client.
   */
  #settle(ex: Exchange, now?: number): void {
    if (ex.res.writableEnded) {
      this.#finish(ex, false, now)
      return
    }
    this.#arm(ex, now ?? performance.now())
    if (ex.waiter === undefined) ex.res.on('close', this.#onClose)
  }

  /** The request is over: answered (`cut` false), or its connection closed before the answer was out. */
  #finish(ex: Exchange, cut: boolean, now = performance.now()): void {
    // A queued request that ended at once is watched too, and its 'close' comes after.
    if (ex.done) return
    ex.done = true
    const o = this.#o
    const { req, res } = ex
    if (cut) ex.abort(clientClosed())
    if (ex.timer) clearTimeout(ex.timer)
    if (ex.started) {
      this.active.delete(ex)
      // Service time is a sample of how busy the worker is; a request its client cut short, or a
      // stream (open as long as its client listens), is none.
      if (ex.held) o.admission.release()
      else o.admission.leave(cut || ex.stream ? NaN : now - ex.admittedMs, now)
      this.served++
    } else if (ex.waiter) {
      // A queued request whose client left (or that was shed): it never ran, so nothing else to undo.
      o.admission.cancel(ex.waiter)
    }
    o.stalls?.ended(ex, now)
    const durationMs = ex.elapsedMs(now)
    o.metrics?.observe(req.method ?? '', res.statusCode, ex.route ?? routeOf(req.url ?? '/'), durationMs / 1000)
    o.accessLog?.write({ req, res, clientIp: ex.clientIp, requestId: ex.requestId, startedAt: ex.startedAt, durationMs, bodyBytes: ex.bodyBytes, scheme: ex.protocol })
    if (o.hooks.postRequest) {
      void callHook(o.hooks, 'postRequest', o.log, false, o.worker,
        { id: ex.requestId, method: req.method ?? '', url: req.url ?? '', headers: req.headers },
        { status: res.statusCode, durationMs })
    }
    if (this.#draining && this.active.size === 0 && o.admission.waiting === 0) {
      clearTimeout(this.#endStreamsTimer)
      this.#onIdle?.()
    }
  }

  /**
   * Stop keeping connections alive: responses not yet started will carry Connection: close.
   * Resolves when no request is in flight or queued. Streams (streams.ts) still open after
   * `endStreamsAfterMs` are ended cleanly, so that the arbiter's kill at --graceful-timeout finds
   * nothing of theirs to cut.
   */
  drain(endStreamsAfterMs: number): Promise<void> {
    this.#draining = true
    for (const ex of this.active) if (!ex.res.headersSent) ex.res.shouldKeepAlive = false
    if (this.active.size === 0 && this.#o.admission.waiting === 0) return Promise.resolve()
    this.#endStreamsTimer = setTimeout(() => this.endStreams(endStreamsAfterMs), endStreamsAfterMs)
    return new Promise((resolve) => { this.#onIdle = resolve })
  }

  /** End every stream in flight (after the drain's wait); other requests run on until they finish or are killed. */
  endStreams(waitedMs: number): void {
    const streams = [...this.active].filter(isStream)
    if (streams.length === 0) return
    this.#o.log.info({ streams: streams.length, waitedMs }, `draining: ending ${streams.length} open streams after ${waitedMs}ms`)
    for (const ex of streams) endStream(ex, waitedMs)
  }

  /** Median time in service of the requests running now (they are in start order): the limit's view of a burst still in flight. */
  medianAge = (now: number): number => {
    let i = (this.active.size - this.#o.admission.held) >> 1
    for (const ex of this.active) if (!ex.stream && i-- === 0) return now - ex.admittedMs
    return 0
  }

  /** Cut every request in flight (fast stop). */
  destroyAll(): void {
    for (const ex of this.active) ex.res.destroy()
  }
}
