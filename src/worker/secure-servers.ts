/**
 * The servers for listeners that speak more than plain HTTP/1.1: HTTP/1.1 over TLS (node:https),
 * HTTP/2 over TLS with HTTP/1.1 for clients without it (node:http2's secure server with
 * allowHTTP1), and h2c by prior knowledge beside HTTP/1.1. Each gets server.ts's HTTP/1.1 options
 * and rules for its HTTP/1.1 connections. Loaded only by a worker with --certfile or --h2c:
 * node:http2 alone costs a worker's boot tens of milliseconds on a busy machine.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { createSecureServer, createServer as createH2cServer, type ServerHttp2Session } from 'node:http2'
import { createServer as createTlsServer } from 'node:https'
import type { Socket } from 'node:net'
import type { TLSSocket, TlsOptions } from 'node:tls'
import type { LoadedApp } from '../app/types.js'
import type { Settings } from '../config/settings/index.js'
import { corralError } from '../errors.js'
import { acceptPriorKnowledge } from '../protocols/h2c.js'
import { http2Options, Sessions, type Http2Limits } from '../protocols/http2.js'
import { tlsEnabled, tlsOptions } from '../protocols/tls.js'
import { createHttpServer, http1Options, wireHttp1, type OnRequest, type ServerOptions } from './server.js'

/** What a listener speaks beyond plain HTTP/1.1; absent for a plain listener. */
export interface Protocols {
  /** Node's TLS options (protocols/tls.ts), when --certfile is set. */
  tls: TlsOptions | undefined
  /** Offer h2 through ALPN on TLS listeners. */
  http2: boolean
  /** Accept HTTP/2 by prior knowledge on plain listeners. */
  h2c: boolean
  http2Limits: Http2Limits
  sessions: Sessions
}

/** The listeners' protocols from the settings. Throws if the app cannot be served over HTTP/2. */
export function protocolsFor(s: Settings, app: LoadedApp | undefined): Protocols {
  const tls = tlsEnabled(s) ? tlsOptions(s, s.headerTimeout) : undefined
  const http2 = tls !== undefined && s.http2
  if ((http2 || s.h2c) && app?.notHttp2) throw corralError('CORRAL_ERR_HTTP2_APP', s.app, app.notHttp2)
  return { tls, http2, h2c: s.h2c, http2Limits: s, sessions: new Sessions(s.keepalive) }
}

/**
 * The server for one listener. It is typed as a node:http Server because the worker uses only what
 * they all share with it (listen, close, 'upgrade', closeAllConnections, which the HTTP/2 server
 * gets here).
 */
export function createSecureServerFor<Res extends ServerResponse>(
  o: ServerOptions,
  p: Protocols,
  Response: new (req: IncomingMessage) => Res,
  onRequest: (req: IncomingMessage, res: Res) => void,
): Server {
  if (p.tls === undefined && !p.h2c) return createHttpServer(o, Response, onRequest)
  const listener = onRequest as unknown as OnRequest
  if (p.tls === undefined) {
    const server = createHttpServer(o, Response, onRequest)
    const h2 = createH2cServer(http2Options(p.http2Limits), listener as never)
    h2.on('session', p.sessions.track)
    acceptPriorKnowledge(server, h2, o.headerTimeoutMs)
    return server
  }
  if (!p.http2) {
    const server = createTlsServer({ ...http1Options(o, Response), ...p.tls }, listener)
    wireHttp1(server, o, 'secureConnection')
    return server
  }
  const h1 = http1Options(o, Response)
  const server = createSecureServer({
    ...p.tls,
    ...http2Options(p.http2Limits),
    allowHTTP1: true,
    Http1ServerResponse: Response as unknown as typeof ServerResponse,
  }, listener as never)
  // node:http2 hands HTTP/1.1 connections to node:http's connection handling, which reads these
  // from the server object rather than from the options.
  Object.assign(server, { maxHeaderSize: h1.maxHeaderSize, headersTimeout: h1.headersTimeout, requestTimeout: 0, connectionsCheckingInterval: 1000 })
  server.on('session', (session: ServerHttp2Session) => p.sessions.track(session))
  wireHttp1(server, o, 'secureConnection', (socket) => (socket as TLSSocket).alpnProtocol !== 'h2')
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  Object.assign(server, { closeAllConnections: () => { for (const socket of sockets) socket.destroy() } })
  return server as unknown as Server
}

