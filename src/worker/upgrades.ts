/**
 * The worker's upgrade path (node:http's 'upgrade' event: WebSockets). The same limits as any
 * request; admission against the worker's cap, where an open WebSocket holds its slot until it
 * closes (a worker's connections are what --worker-connections bounds); then the app: its
 * `upgrade` export gets node:http's (req, socket, head) as it would from its own server, and a
 * fetch handler gets the request with ctx.upgradeWebSocket to accept it. Every upgraded socket is
 * tracked (protocols/websocket/sockets.ts), so a drain closes it with 1001 and waits for it.
 *
 * The request deadline does not apply: a WebSocket lives as long as its peers want.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from '../logging/logger.js'
import type { WebSocket } from 'ws'
import { lazyRequest } from '../app/lazy-request.js'
import { isResponse } from '../app/light-response.js'
import type { FetchHandler, LoadedApp, RequestContext, UpgradeListener } from '../app/types.js'
import type { Settings } from '../config/settings/index.js'
import { codes } from '../errors.js'
import { Acceptor } from '../protocols/websocket/accept.js'
import { refuse, refuseWith } from '../protocols/websocket/refuse.js'
import { WebSocketMetrics } from '../protocols/websocket/metrics.js'
import { WebSockets } from '../protocols/websocket/sockets.js'
import type { AccessLog } from './access-log.js'
import { Exchange, type WorkerScope } from './exchange.js'
import { origin } from './forwarded.js'
import type { Admission } from '../overload/admission.js'
import { shedBody } from '../overload/shed.js'
import { checkRequest, type Limits, type Scan } from './limits.js'
import { routeOf, type RequestMetrics } from './metrics.js'

export interface UpgradesOptions {
  /** The module's `upgrade` export (or a Fastify server's own listeners). */
  upgrade: UpgradeListener | undefined
  /** The fetch handler, when the app is one and has no `upgrade` export. */
  fetch: FetchHandler | undefined
  limits: Limits
  /** The worker's admission, shared with its requests: a handshake is admitted as a request is; the open socket is then held. */
  admission: Admission
  priority: (url: string) => boolean
  trusted: (ip: string) => boolean
  workerId: number
  log: Logger
  sockets: WebSockets
  acceptor: Acceptor
  accessLog?: AccessLog
  metrics?: RequestMetrics
  wsMetrics?: WebSocketMetrics
}

type Accepted = { onOpen: (ws: WebSocket) => void; protocol?: string; response: Response }

/** The ctx of an upgrade request: a request's, with upgradeWebSocket. It has no ServerResponse. */
class UpgradeExchange extends Exchange {
  accepted: Accepted | undefined = undefined
  status = 0

  upgradeWebSocket(onOpen: (ws: WebSocket) => void, options: { protocol?: string } = {}): Response {
    if (typeof onOpen !== 'function') throw new TypeError('ctx.upgradeWebSocket(onOpen): onOpen must be a function that takes the open WebSocket')
    // A placeholder: a Response cannot carry 101, and what the app returns only says "accept".
    const response = new Response(null, { status: 200 })
    this.accepted = { onOpen, protocol: options.protocol, response }
    return response
  }
}

const clientClosed = () => Object.assign(new Error('the client closed the connection'), { name: 'AbortError', code: 'CORRAL_CLIENT_CLOSED' })

export class Upgrades {
  readonly #o: UpgradesOptions
  readonly #scope: WorkerScope
  readonly #scan: Scan = { chunked: false, forwarded: false }
  #draining = false

  constructor(o: UpgradesOptions) {
    this.#o = o
    this.#scope = { workerId: o.workerId, log: o.log }
  }

  /** Whether the app takes upgrades at all: without a listener node:http serves them as plain requests. */
  static wanted(upgrade: UpgradeListener | undefined, fetch: FetchHandler | undefined): boolean {
    return upgrade !== undefined || fetch !== undefined
  }

  handle = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const o = this.#o
    // node:http takes its own listeners off an upgraded socket: an error on it must not be uncaught.
    socket.on('error', () => socket.destroy())
    const rejection = checkRequest(req, o.limits, this.#scan)
    const told = rejection === undefined && this.#scan.forwarded ? origin(req, o.trusted) : undefined
    const ex = new UpgradeExchange(req, undefined as unknown as ServerResponse, this.#scope, told)
    if (rejection) {
      const entry = codes[rejection.code] as { message: string; status: number }
      return this.#refuse(ex, socket, entry.status, `${entry.message.replace('%s', rejection.detail).replace('%d', rejection.detail)}\n`)
    }
    if (this.#draining) return this.#refuse(ex, socket, 503, 'the server is restarting; connect again\n', [['retry-after', '1']])
    // No queue for a handshake: a socket that waits is a client that retries anyway.
    if (!o.admission.enter() && !(o.priority(req.url ?? '/') && o.admission.enterPriority())) {
      o.admission.refused()
      return this.#refuse(ex, socket, 503, shedBody(o.admission.refusing), [['retry-after', '1']])
    }
    o.admission.hold()
    socket.once('close', () => {
      o.admission.release()
      ex.abort(clientClosed())
      this.#log(ex)
    })
    if (o.upgrade) return this.#raw(ex, socket, head, o.upgrade)
    void this.#fetch(ex, socket, head, o.fetch!)
  }

  /** The app's own upgrade listener, as node:http would call it; the socket is tracked from now. */
  #raw(ex: UpgradeExchange, socket: Duplex, head: Buffer, upgrade: UpgradeListener): void {
    const req = ex.req as IncomingMessage & { corral?: RequestContext }
    req.corral = ex
    ex.status = 101
    this.#o.sockets.add(socket)
    this.#o.wsMetrics?.opened()
    socket.once('close', () => this.#o.wsMetrics?.closed())
    try {
      const result = upgrade(req, socket, head)
      if (result instanceof Promise) result.catch((err) => this.#failed(ex, socket, err))
    } catch (err) {
      this.#failed(ex, socket, err)
    }
  }

  async #fetch(ex: UpgradeExchange, socket: Duplex, head: Buffer, fetch: FetchHandler): Promise<void> {
    let response: Response
    try {
      response = await fetch(lazyRequest(ex.req, ex), ex)
    } catch (err) {
      return this.#failed(ex, socket, err)
    }
    const accepted = ex.accepted
    if (accepted === undefined || !(response?.status < 300)) {
      ex.accepted = undefined
      ex.status = response?.status ?? 500
      if (!isResponse(response)) return this.#failed(ex, socket, new TypeError('the fetch handler returned no Response for an upgrade request'))
      this.#o.metrics?.observe(ex.req.method ?? 'GET', ex.status, ex.route ?? routeOf(ex.req.url ?? '/'), ex.elapsedMs() / 1000)
      await refuseWith(socket, response).catch(() => socket.destroy())
      return
    }
    if (!socket.writable) return
    const ws = await this.#o.acceptor.accept(ex.req, socket, head, { protocol: accepted.protocol })
    if (ws === undefined) {
      ex.status = 400 // not a valid WebSocket handshake; ws has answered it
      return
    }
    ex.status = 101
    this.#o.sockets.add(socket, ws)
    this.#o.wsMetrics?.opened()
    ws.once('close', () => this.#o.wsMetrics?.closed())
    // ws reports a broken peer (a message past --ws-max-size, bad framing) as 'error', then closes the
    // socket with the matching code: an app that listens for neither must not lose its worker to it.
    ws.on('error', (err) => ex.log.debug({ err, requestId: ex.requestId }, 'WebSocket closed on a protocol error'))
    try {
      accepted.onOpen(ws)
    } catch (err) {
      ex.log.error({ err, requestId: ex.requestId }, 'CORRAL_ERR_HANDLER: the WebSocket onOpen callback threw; the socket is closed with 1011')
      ws.close(1011, 'internal error')
    }
  }

  #failed(ex: UpgradeExchange, socket: Duplex, err: unknown): void {
    ex.log.error({ err, requestId: ex.requestId }, 'CORRAL_ERR_HANDLER: the app threw while handling an upgrade request')
    if (ex.status !== 101) ex.status = 500
    refuse(socket, 500, 'Internal Server Error\n')
  }

  #refuse(ex: UpgradeExchange, socket: Duplex, status: number, body: string, headers: [string, string][] = []): void {
    ex.status = status
    this.#o.metrics?.observe(ex.req.method ?? 'GET', status, routeOf(ex.req.url ?? '/'), ex.elapsedMs() / 1000)
    refuse(socket, status, body, headers)
    socket.once('close', () => this.#log(ex))
  }

  /** One access log line per upgrade request, written when its connection closes (duration: the socket's life). */
  #log(ex: UpgradeExchange): void {
    const log = this.#o.accessLog
    if (!log) return
    const res = { statusCode: ex.status, getHeader: () => undefined } as unknown as ServerResponse
    log.write({ req: ex.req, res, clientIp: ex.clientIp, requestId: ex.requestId, startedAt: ex.startedAt, durationMs: ex.elapsedMs(), bodyBytes: 0, scheme: ex.protocol })
  }

  /** Refuse new upgrades and close the open sockets with 1001; resolves when all have closed. */
  drain(): Promise<void> {
    this.#draining = true
    return this.#o.sockets.drain()
  }

  destroyAll(): void {
    this.#o.sockets.destroyAll()
  }
}

export interface UpgradeDeps {
  admission: Admission
  priority: (url: string) => boolean
  trusted: (ip: string) => boolean
  workerId: number
  log: Logger
  accessLog?: AccessLog
  metrics?: RequestMetrics
}

/** The upgrade path, when the app can take upgrades; without it node:http serves them as plain requests. */
export function upgradesFor(s: Settings, app: LoadedApp | undefined, d: UpgradeDeps): Upgrades | undefined {
  const upgrade = app?.upgrade
  const fetch = app?.kind === 'fetch' ? app.fetch : undefined
  if (!Upgrades.wanted(upgrade, fetch)) return undefined
  if (s.workerClass === 'sync') {
    // One request at a time per worker: an open WebSocket would hold it for as long as it lives.
    if (upgrade) d.log.warn('the app exports `upgrade`, but --worker-class sync takes no WebSockets (one open socket would hold the worker); upgrade requests are served as plain requests')
    return undefined
  }
  return new Upgrades({
    upgrade,
    fetch,
    limits: s,
    admission: d.admission,
    priority: d.priority,
    trusted: d.trusted,
    workerId: d.workerId,
    log: d.log,
    accessLog: d.accessLog,
    metrics: d.metrics,
    wsMetrics: s.metrics ? new WebSocketMetrics() : undefined,
    sockets: new WebSockets({ pingIntervalMs: s.wsPingInterval, pingTimeoutMs: s.wsPingTimeout, closeTimeoutMs: Math.min(s.wsCloseTimeout, s.gracefulTimeout) }),
    acceptor: new Acceptor({ maxMessageBytes: s.wsMaxSize, closeTimeoutMs: Math.min(s.wsCloseTimeout, s.gracefulTimeout) || 1 }),
  })
}
