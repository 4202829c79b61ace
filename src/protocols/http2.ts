/**
 * HTTP/2 for the worker: the request and response classes its servers use, the SETTINGS it
 * advertises, and every live session, so a drain can send GOAWAY and an idle session can be closed
 * after --keepalive as an idle HTTP/1.1 connection is.
 *
 * Requests reach the app through node:http2's compatibility API (the (req, res) shape node:http
 * has), so every app shape corral serves runs over HTTP/2 unchanged, with one translation RFC 9113
 * §8.3.1 asks of anything that turns an HTTP/2 request into an HTTP/1.1 one: a Host header made
 * from :authority. Pseudo-headers stay in req.headers (Node's own shape) but are left out of
 * rawHeaders, which code written for HTTP/1.1 (and the Headers of a fetch Request) cannot take.
 */
import { constants, Http2ServerRequest, Http2ServerResponse, type ServerHttp2Session, type Settings } from 'node:http2'
import { performance } from 'node:perf_hooks'

/**
 * What corral and apps read from a request's socket, kept per session: node:http2's req.socket is
 * a proxy to the session's socket that reads nothing once the stream has closed, and the access
 * log and metrics are written after that.
 */
interface PeerView {
  remoteAddress: string | undefined
  remotePort: number | undefined
  remoteFamily: string | undefined
  encrypted: boolean
  alpnProtocol: string | false | undefined
  authorized: boolean
  authorizationError: Error | undefined
  getPeerCertificate: (() => object) | undefined
}
const peers = new WeakMap<object, PeerView>()

function peerView(session: { socket: unknown } | undefined): PeerView | undefined {
  if (session === undefined) return undefined
  let view = peers.get(session)
  if (view) return view
  const socket = session.socket as Record<string, unknown>
  view = {
    remoteAddress: socket.remoteAddress as string | undefined,
    remotePort: socket.remotePort as number | undefined,
    remoteFamily: socket.remoteFamily as string | undefined,
    encrypted: socket.encrypted === true,
    alpnProtocol: socket.alpnProtocol as string | false | undefined,
    authorized: socket.authorized === true,
    authorizationError: socket.authorizationError as Error | undefined,
    getPeerCertificate: typeof socket.getPeerCertificate === 'function' ? (socket.getPeerCertificate as () => object) : undefined,
  }
  peers.set(session, view)
  return view
}

export class Http2Request extends Http2ServerRequest {
  #raw: string[] | undefined = undefined
  #hostSet = false
  readonly #peer: PeerView | undefined

  constructor(...args: ConstructorParameters<typeof Http2ServerRequest>) {
    super(...args)
    this.#peer = peerView(args[0].session)
  }

  /** The session's socket while the stream is open; what was read from it, once it has closed. */
  static socketOf(req: Http2Request, live: unknown): unknown {
    return req.stream.session !== undefined || req.#peer === undefined ? live : req.#peer
  }

  /** rawHeaders without pseudo-headers, with Host from :authority when the client sent none. */
  static rawHeadersOf(req: Http2Request, pseudo: string[]): string[] {
    if (req.#raw) return req.#raw
    const raw: string[] = []
    let host = false
    for (let i = 0; i < pseudo.length; i += 2) {
      if (pseudo[i].charCodeAt(0) === 58 /* : */) continue
      if (pseudo[i].length === 4 && pseudo[i].toLowerCase() === 'host') host = true
      raw.push(pseudo[i], pseudo[i + 1])
    }
    if (!host && req.authority) raw.unshift('host', req.authority)
    return (req.#raw = raw)
  }

  static headersOf(req: Http2Request, headers: Http2ServerRequest['headers']): Http2ServerRequest['headers'] {
    if (!req.#hostSet) {
      req.#hostSet = true
      if (headers.host === undefined && headers[':authority'] !== undefined) headers.host = headers[':authority']
    }
    return headers
  }
}

// Node declares these as accessors at runtime (its types say properties, so they are redefined
// here rather than overridden in the class body).
const base = (name: string) => Object.getOwnPropertyDescriptor(Http2ServerRequest.prototype, name)!
const rawHeaders = base('rawHeaders')
const headers = base('headers')
const socket = base('socket')
Object.defineProperty(Http2Request.prototype, 'socket', {
  configurable: true,
  enumerable: socket.enumerable,
  get(this: Http2Request) { return Http2Request.socketOf(this, socket.get!.call(this)) },
  set: socket.set,
})
Object.defineProperty(Http2Request.prototype, 'rawHeaders', {
  configurable: true,
  enumerable: rawHeaders.enumerable,
  get(this: Http2Request) { return Http2Request.rawHeadersOf(this, rawHeaders.get!.call(this)) },
  set: rawHeaders.set,
})
Object.defineProperty(Http2Request.prototype, 'headers', {
  configurable: true,
  enumerable: headers.enumerable,
  get(this: Http2Request) { return Http2Request.headersOf(this, headers.get!.call(this)) },
  set: headers.set,
})

/**
 * The response class. The worker keeps its per-request record in `exchange` and sets the HTTP/1.1
 * keep-alive fields on every response; declaring them here gives every response one shape (a
 * property added later to Node's own objects makes the code that handles them slower).
 */
export class Http2Response extends Http2ServerResponse {
  exchange: unknown = undefined
  /** Meaningless over HTTP/2 (a connection is closed with GOAWAY); kept so HTTP/1.1 code can set it. */
  shouldKeepAlive = true
  _keepAliveTimeout = 0
}

export interface Http2Limits {
  http2MaxConcurrentStreams: number
  http2MaxHeaderListSize: number
  limitRequestFields: number
}

/** The SETTINGS frame corral's servers send, and the matching server options. */
export function http2Options(l: Http2Limits) {
  const settings: Settings = {
    maxConcurrentStreams: l.http2MaxConcurrentStreams,
    enablePush: false,
    ...(l.http2MaxHeaderListSize > 0 ? { maxHeaderListSize: l.http2MaxHeaderListSize } : {}),
  }
  return {
    settings,
    // Header fields beyond this are refused by nghttp2 before a request exists; the pseudo-headers
    // (:method, :path, :scheme, :authority) come on top of --limit-request-fields.
    ...(l.limitRequestFields > 0 ? { maxHeaderListPairs: l.limitRequestFields + 4 } : {}),
    Http2ServerRequest: Http2Request,
    // Node's types tie the response class to the base request class; the pair is consistent at runtime.
    Http2ServerResponse: Http2Response as unknown as typeof Http2ServerResponse<Http2Request>,
  }
}

interface Live { streams: number; idleSince: number }

/** After a first GOAWAY that refuses nothing, how long to wait for the client's PING answer before the final one. */
const GOAWAY_ROUND_TRIP_MS = 1000

/**
 * The worker's HTTP/2 sessions. Idle ones (no open stream) close after keepaliveMs, checked by a
 * sweep as HTTP/1.1 connections are (worker/keepalive.ts); goAway() drains them all.
 */
export class Sessions {
  readonly #live = new Map<ServerHttp2Session, Live>()
  readonly #keepaliveMs: number
  #draining = false
  #timer: NodeJS.Timeout | undefined

  constructor(keepaliveMs: number) {
    this.#keepaliveMs = keepaliveMs
  }

  get size(): number { return this.#live.size }

  track = (session: ServerHttp2Session): void => {
    const live: Live = { streams: 0, idleSince: performance.now() }
    this.#live.set(session, live)
    session.on('stream', (stream) => {
      live.streams++
      stream.once('close', () => {
        if (--live.streams === 0) {
          live.idleSince = performance.now()
          if (this.#keepaliveMs === 0 && !session.closed) session.close()
        }
      })
    })
    session.once('close', () => this.#live.delete(session))
    // A session error (a client that breaks the protocol) ends that session only.
    session.on('error', () => session.destroy())
    if (this.#draining) this.#goAway(session)
    else this.#sweep()
  }

  #sweep(): void {
    if (this.#timer || this.#keepaliveMs === 0) return
    const every = Math.min(1000, Math.max(50, Math.floor(this.#keepaliveMs / 4)))
    this.#timer = setInterval(() => {
      const now = performance.now()
      for (const [session, live] of this.#live) {
        if (live.streams === 0 && now - live.idleSince >= this.#keepaliveMs && !session.closed) session.close()
      }
      if (this.#live.size === 0) {
        clearInterval(this.#timer)
        this.#timer = undefined
      }
    }, every)
    this.#timer.unref()
  }

  /**
   * Drain: every session is told to open no more streams, and closes once its open streams are
   * done. Graceful in two steps, as RFC 9113 §6.8 suggests: a GOAWAY naming the highest stream id
   * (it refuses nothing a client may already have sent), then, once a PING round trip shows the
   * client has read it, the real GOAWAY with the last stream the server took.
   */
  goAway(): void {
    this.#draining = true
    for (const session of this.#live.keys()) this.#goAway(session)
  }

  #goAway(session: ServerHttp2Session): void {
    if (session.closed || session.destroyed) return
    try {
      session.goaway(constants.NGHTTP2_NO_ERROR, 2 ** 31 - 1)
    } catch {
      session.close()
      return
    }
    let closed = false
    const close = () => {
      if (closed) return
      closed = true
      clearTimeout(timer)
      if (!session.closed && !session.destroyed) session.close()
    }
    const timer = setTimeout(close, GOAWAY_ROUND_TRIP_MS)
    try {
      if (!session.ping(close)) close()
    } catch {
      close()
    }
  }

  /** Fast stop: every session is cut now. */
  destroyAll(): void {
    for (const session of this.#live.keys()) session.destroy()
    clearInterval(this.#timer)
  }
}
