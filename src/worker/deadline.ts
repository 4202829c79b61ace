/**
 * The request deadline (--request-timeout): 504 to the client, and the handler's ctx.signal
 * aborted with CORRAL_ERR_DEADLINE so the I/O it started stops. The worker serves on.
 */
import type { ServerResponse } from 'node:http'
import { corralError } from '../errors.js'
import type { Exchange } from './exchange.js'

export function armDeadline(ex: Exchange, ms: number): void {
  ex.timer = setTimeout(() => passDeadline(ex, ms), ms)
}

function passDeadline(ex: Exchange, ms: number): void {
  ex.timer = undefined
  ex.abort(corralError('CORRAL_ERR_DEADLINE', ms))
  const { res } = ex
  if (res.headersSent) {
    // Half a response cannot be turned into a 504: cut it, so the client sees it failed.
    res.destroy()
    return
  }
  const body = `request passed its ${ms}ms deadline\n`
  res.writeHead(504, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) })
  res.end(body)
  silence(res)
}

/**
 * After corral has answered for the app (504), the app may still try to answer: make that a no-op
 * instead of an ERR_HTTP_HEADERS_SENT thrown into its code. Only this one response is changed.
 */
function silence(res: ServerResponse): void {
  const self = () => res
  res.writeHead = self as unknown as ServerResponse['writeHead']
  res.setHeader = self as unknown as ServerResponse['setHeader']
  res.removeHeader = () => {}
  res.write = (() => true) as unknown as ServerResponse['write']
  res.end = self as unknown as ServerResponse['end']
}
