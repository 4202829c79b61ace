/**
 * The answer when an app throws: the error is logged with the request id, the client gets a
 * plain 500 (the app's error text never leaks to clients). After headers went out, the socket
 * is destroyed so the client sees a truncated response rather than a wrong one.
 */
import type { ServerResponse } from 'node:http'
import type { RequestContext } from './types.js'

export function failRequest(res: ServerResponse, ctx: RequestContext, err: unknown): void {
  if ((ctx as { aborted?: boolean }).aborted ?? ctx.signal.aborted) return // the deadline or the client's disconnect already answered
  ctx.log.error({ err, requestId: ctx.requestId }, 'CORRAL_ERR_HANDLER: the app threw while handling the request')
  if (res.headersSent) {
    res.destroy()
    return
  }
  const body = 'Internal Server Error\n'
  res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}
