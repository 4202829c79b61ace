/**
 * The answer when an app throws: the error is logged with the request id, the client gets a
 * plain 500 (the app's error text never leaks to clients). An error of corral's own that carries
 * a gateway or unavailable status (an open breaker, an upstream timeout, a full offload queue) is
 * answered with that status instead, so a failure downstream never reads as a bug in the app; a
 * 503 says when to retry. After headers went out, the socket is destroyed so the client sees a
 * truncated response rather than a wrong one.
 */
import type { ServerResponse } from 'node:http'
import { http } from '../builtins.js'
import { isCorralError } from '../errors.js'
import type { RequestContext } from './types.js'

const PASSED_ON = new Set([502, 503, 504])

export function failRequest(res: ServerResponse, ctx: RequestContext, err: unknown): void {
  if ((ctx as { aborted?: boolean }).aborted ?? ctx.signal.aborted) return // the deadline or the client's disconnect already answered
  const status = isCorralError(err) && err.status !== undefined && PASSED_ON.has(err.status) ? err.status : 500
  ctx.log.error({ err, requestId: ctx.requestId }, `CORRAL_ERR_HANDLER: the app threw while handling the request${status === 500 ? '' : `; answered ${status}`}`)
  if (res.headersSent) {
    res.destroy()
    return
  }
  const body = `${http.STATUS_CODES[status]}\n`
  const headers: Record<string, string | number> = { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) }
  if (status === 503) headers['retry-after'] = 1
  res.writeHead(status, headers)
  res.end(body)
}
