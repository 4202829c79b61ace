/**
 * Long-lived responses: server-sent events, long polls, streamed downloads. A response is a
 * stream when its path is one of --stream-route, when the app called ctx.streaming(), or when it
 * went out as text/event-stream. A stream has no --request-timeout, and a draining worker waits
 * for it up to --graceful-timeout and then ends it cleanly instead of letting the arbiter's kill
 * reset it: an SSE client sees the stream end and reconnects (to another worker), a chunked body
 * gets its terminating chunk.
 *
 * Everything here is asked only when a deadline passes or a drain runs out, so a request that
 * never streams pays nothing for it.
 */
import type { ServerResponse } from 'node:http'
import { corralError } from '../errors.js'
import { silence } from './silence.js'
import type { Exchange } from './exchange.js'

/** A matcher for --stream-route, or undefined when there are none (the common case: no per-request test). */
export function streamRouteMatcher(patterns: readonly string[]): ((url: string) => boolean) | undefined {
  if (patterns.length === 0) return undefined
  const exact = new Set(patterns.filter((p) => !p.endsWith('*')))
  const prefixes = patterns.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1))
  return (url) => {
    const q = url.indexOf('?')
    const path = q < 0 ? url : url.slice(0, q)
    return exact.has(path) || prefixes.some((p) => path.startsWith(p))
  }
}

/**
 * A header as it went out. Headers given to writeHead as a list (the fetch adapter does that) are
 * not where getHeader looks; the header block Node wrote has them all.
 */
function sentHeader(res: ServerResponse, name: string): string | undefined {
  const v = res.getHeader(name)
  if (v !== undefined) return String(v)
  const block = (res as unknown as { _header?: string | null })._header
  if (typeof block !== 'string') return undefined
  return new RegExp(`\\r\\n${name}:[ \\t]*([^\\r]*)`, 'i').exec(block)?.[1]
}

export function isStream(ex: Exchange): boolean {
  if (ex.stream) return true
  const type = sentHeader(ex.res, 'content-type')
  return type !== undefined && type.toLowerCase().startsWith('text/event-stream')
}

/**
 * The drain ran out of time for this stream: tell the app (ctx.signal aborts with
 * CORRAL_ERR_STREAM_ENDED) and end the response so the client sees a complete message. A body
 * with a Content-Length cannot be ended early without lying about it, so that one is cut.
 */
export function endStream(ex: Exchange, gracefulMs: number): void {
  const { res } = ex
  ex.abort(corralError('CORRAL_ERR_STREAM_ENDED', gracefulMs))
  if (res.writableEnded || res.destroyed) return
  if (!res.headersSent) {
    const body = 'the server is restarting; try again\n'
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), 'retry-after': '1', connection: 'close' })
    res.end(body)
  } else if (sentHeader(res, 'content-length') !== undefined) {
    res.destroy()
    return
  } else {
    res.end()
  }
  // The app's timers may still write: make those no-ops, not errors thrown into its code.
  silence(res)
}
