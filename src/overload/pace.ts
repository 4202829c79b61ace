/**
 * A shed client's connection is read again only after a pause: about as long as an admitted request
 * takes (the limit's latency sample), at most MAX_PAUSE_MS and never near the keep-alive timeout.
 *
 * Why: a client that answers a 503 by asking again at once (wrk does; so do retry loops without
 * backoff) turns every refusal into the next request. At 1,000 connections on the 2-CPU
 * development VM the shop's workers shed 145,000 requests in 10 s once the limit came down
 * (`--overload-tolerance 1.1`): the refusals and their retries took the CPU the admitted pages
 * needed, and goodput fell to 55/s. The 503 itself still goes out at once (issue 12: under 10 ms);
 * only the connection's next request waits, unread, in its own socket buffer, where it costs
 * nothing. A shed connection then asks at most as often as an admitted one is answered, which is
 * what Retry-After asks of a client that honours it.
 *
 * HTTP/1 only: an HTTP/2 session carries other streams that must not stop with this one.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** Longer than this and a retrying client waits past what the p99 of a healthy page allows. */
const MAX_PAUSE_MS = 1000

/**
 * `latencyMs`: how long an admitted request takes now (NaN: unknown, no pause). `keepaliveMs`: the
 * connection's keep-alive timeout (0: none), which the pause stays well under, so a request read
 * late is never one the keep-alive timer would have cut.
 */
export function pauseMs(latencyMs: number, keepaliveMs: number): number {
  if (!(latencyMs > 0)) return 0
  const cap = keepaliveMs > 0 ? Math.min(MAX_PAUSE_MS, keepaliveMs / 2) : MAX_PAUSE_MS
  return Math.min(cap, latencyMs)
}

/** Stop reading the request's connection for `ms` once the answer is out. */
export function pauseAfterAnswer(req: IncomingMessage, res: ServerResponse, ms: number): void {
  if (ms <= 0 || req.httpVersionMajor !== 1) return
  const socket = req.socket
  // After 'finish' Node's server may still resume the socket to read on (it dumps the request), so
  // the pause comes a turn of the loop later.
  res.once('finish', () => setImmediate(() => {
    if (socket.destroyed) return
    socket.pause()
    setTimeout(() => { if (!socket.destroyed) socket.resume() }, ms).unref()
  }))
}
