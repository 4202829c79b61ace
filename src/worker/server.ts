/**
 * The worker's node:http server and its listeners. Keep-alive (keepalive.ts), header timeout and
 * limits come from the settings; `connectionsCheckingInterval` is cut from Node's 30 s to 1 s,
 * since that interval is also how late a slowloris connection gets noticed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Server as NetServer, Socket } from 'node:net'
import { describeBind, type BindAddress } from '../config/parse.js'
import { corralError } from '../errors.js'
import { enforceKeepalive } from './keepalive.js'
import { maxHeaderSize, maxHeadersCount, onClientError, type Limits } from './limits.js'

export interface ServerOptions {
  limits: Limits
  keepaliveMs: number
  headerTimeoutMs: number
}

export function createHttpServer<Res extends ServerResponse>(
  o: ServerOptions,
  Response: new (req: IncomingMessage) => Res,
  onRequest: (req: IncomingMessage, res: Res) => void,
): Server {
  const server = createServer<typeof IncomingMessage, typeof ServerResponse>({
    ServerResponse: Response as unknown as typeof ServerResponse,
    maxHeaderSize: maxHeaderSize(o.limits),
    headersTimeout: o.headerTimeoutMs || 0,
    // The deadline is corral's (--request-timeout), with a 504 and an aborted signal; Node's own
    // requestTimeout would cut the socket with a bare 408 instead.
    requestTimeout: 0,
    connectionsCheckingInterval: 1000,
    noDelay: true,
  }, onRequest as unknown as (req: IncomingMessage, res: ServerResponse) => void)
  server.on('connection', rememberPeer)
  server.maxHeadersCount = maxHeadersCount(o.limits)
  if (o.keepaliveMs === 0) server.keepAliveTimeout = 1 // 0 would mean "forever" to Node
  else enforceKeepalive(server, o.keepaliveMs)
  server.on('clientError', (err, socket) => onClientError(err as Error & { code?: string }, socket as import('node:net').Socket, o.limits))
  return server
}

/**
 * Read the peer's address once per connection: Node caches it on the socket, so a request whose
 * client has already gone (an access log line, a late ctx.clientIp) still knows who it was.
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
