/**
 * The request deadline (--request-timeout): 504 to the client, and the handler's ctx.signal
 * aborted with CORRAL_ERR_DEADLINE so the I/O it started stops. The worker serves on.
 */
import { corralError } from '../errors.js'
import type { Exchange } from './exchange.js'
import { silence } from './silence.js'
import { isStream } from './streams.js'

/** `ms` is the setting (what the 504 names); `left` what remains of it now, which may be nothing. */
export function armDeadline(ex: Exchange, ms: number, left = ms): void {
  ex.timer = setTimeout(() => passDeadline(ex, ms), Math.max(1, left))
}

function passDeadline(ex: Exchange, ms: number): void {
  ex.timer = undefined
  // A stream that said so only once it began (text/event-stream) is not timed: it runs until it ends.
  if (isStream(ex)) {
    ex.stream = true
    return
  }
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
