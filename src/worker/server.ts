/**
 * The worker's servers and their listeners. Keep-alive (keepalive.ts), header timeout and
 * limits come from the settings; `connectionsCheckingInterval` is cut from Node's 30 s to 1 s,
 * since that interval is also how late a slowloris connection gets noticed.
 *
 * A plain listener is node:http and nothing else: TLS, HTTP/2 and h2c servers are made in
 * secure-servers.ts, loaded only by a worker that uses one, with the same HTTP/1.1 options.
 */
import type { IncomingMessage, Server, ServerOptions as HttpOptions, ServerResponse } from 'node:http'
import { http } from '../builtins.js'
import type { Http2SecureServer } from 'node:http2'
import type { Server as NetServer, Socket } from 'node:net'
import type { Logger } from 'pino'
import { describeBind, type BindAddress } from '../config/parse.js'
import { corralError } from '../errors.js'
import { Connections } from './connections.js'
import { enforceKeepalive } from './keepalive.js'
import { watchRequestStart } from './request-start.js'
import { maxHeaderSize, maxHeadersCount, onClientError, type Limits } from './limits.js'
import { watchesSlowClients, watchSlowClients, type SlowClientLimits } from './slow-clients.js'

export interface ServerOptions {
  limits: Limits
  keepaliveMs: number
  headerTimeoutMs: number
  slowClients: SlowClientLimits
  /** For the slow-client warnings. */
  log?: Logger
}

export type OnRequest = (req: IncomingMessage, res: ServerResponse) => void

export function http1Options(o: ServerOptions, Response: new (req: IncomingMessage) => ServerResponse): HttpOptions {
  return {
    ServerResponse: Response as unknown as typeof ServerResponse,
    maxHeaderSize: maxHeaderSize(o.limits),
    headersTimeout: o.headerTimeoutMs || 0,
    // The deadline is corral's (--request-timeout), with a 504 and an aborted signal; Node's own
    // requestTimeout would cut the socket with a bare 408 instead.
    requestTimeout: 0,
    connectionsCheckingInterval: 1000,
    noDelay: true,
  }
}

/**
 * corral's HTTP/1.1 rules on a server: peer address, header count, keep-alive sweep, client
 * errors. `event` is the one that hands over a connection that speaks HTTP/1.1 ('secureConnection'
 * on a TLS server, where 'connection' is the TCP socket under the TLS one); `http1` picks the
 * HTTP/1.1 connections where the server also serves HTTP/2.
 */
export function wireHttp1(server: Server | Http2SecureServer, o: ServerOptions, event: 'connection' | 'secureConnection', http1?: (socket: Socket) => boolean): void {
  // One listener and one registry for what every connection needs (connections.ts says why).
  const connections = o.keepaliveMs > 0 || watchesSlowClients(o.slowClients) ? new Connections() : undefined
  server.on(event, (socket: Socket) => {
    rememberPeer(socket)
    watchRequestStart(socket)
    if (connections && (!http1 || http1(socket))) connections.add(socket)
  })
  ;(server as Server).maxHeadersCount = maxHeadersCount(o.limits)
  if (o.keepaliveMs === 0) (server as Server).keepAliveTimeout = 1 // 0 would mean "forever" to Node
  else enforceKeepalive(server as Server, connections!, o.keepaliveMs)
  if (connections) watchSlowClients(connections, o.slowClients, o.log)
  // corral is an origin server and tunnels nothing; without a listener node:http would drop the
  // connection without a word.
  server.on('connect', refuseConnect)
  if (event === 'connection') {
    server.on('clientError', (err: Error & { code?: string }, socket: Socket) => onClientError(err, socket, o.limits))
    return
  }
  server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
    // On an HTTP/2 server a failed TLS handshake arrives here too: no HTTP answer can reach that client.
    if (err.code?.startsWith('HPE_') || err.code === 'ERR_HTTP_REQUEST_TIMEOUT') onClientError(err, socket, o.limits)
    else socket.destroy()
  })
}

export function createHttpServer<Res extends ServerResponse>(
  o: ServerOptions,
  Response: new (req: IncomingMessage) => Res,
  onRequest: (req: IncomingMessage, res: Res) => void,
): Server {
  const server = http.createServer<typeof IncomingMessage, typeof ServerResponse>(http1Options(o, Response), onRequest as unknown as OnRequest)
  wireHttp1(server, o, 'connection')
  return server
}

const CONNECT_REFUSED = 'corral does not tunnel: CONNECT is not implemented\n'

/** CONNECT (RFC 9110 §9.3.6) asks for a tunnel: 501, and the connection closes. */
function refuseConnect(_req: IncomingMessage, socket: Socket): void {
  socket.end(`HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain\r\nContent-Length: ${CONNECT_REFUSED.length}\r\nConnection: close\r\n\r\n${CONNECT_REFUSED}`)
  socket.destroySoon()
}

/**
 * Read the peer's address once per connection: Node caches it on the socket, so a request whose
 * client has already gone (an access log line, a late ctx.clientIp) still knows who it was. The
 * price is a getpeername per connection: 7.3k of the 174k instructions a connection-per-request
 * hello costs the worker (bench/callgrind.ts --close, Node 26), nothing per keep-alive request.
 */
function rememberPeer(socket: Socket): void {
  void socket.remoteAddress
}

/**
 * Listen on one address (the http server itself, or the socket that feeds it through intake.ts); with
 * reusePort each worker binds its own socket and the kernel spreads connections.
 */
export function listen(server: NetServer, bind: BindAddress, backlog: number, reusePort: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(corralError('CORRAL_ERR_BIND', describeBind(bind), err.message))
    server.once('error', onError)
    const done = () => {
      server.off('error', onError)
      resolve(describeBind(bind))
    }
    if (bind.kind === 'unix') server.listen({ path: bind.path, backlog }, done)
    else server.listen({ host: bind.host, port: bind.port, backlog, ...(reusePort ? { reusePort: true } : {}) }, done)
  })
}
