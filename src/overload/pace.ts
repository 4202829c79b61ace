/**
 * A shed client's connection is read again only after a pause: about as long as an admitted request
 * takes (the limit's latency sample), at most MAX_PAUSE_MS and never near the keep-alive timeout;
 * a connection shed again as soon as it is read waits twice as long as the last time, up to
 * MAX_BACKOFF_MS (and still never near the keep-alive timeout).
 *
 * Why a pause: a client that answers a 503 by asking again at once (wrk does; so do retry loops
 * without backoff) turns every refusal into the next request. At 1,000 connections on the 2-CPU
 * development VM the shop's workers shed 145,000 requests in 10 s once the limit came down
 * (`--overload-tolerance 1.1`): the refusals and their retries took the CPU the admitted pages
 * needed, and goodput fell to 55/s. The 503 itself still goes out at once (issue 12: under 10 ms);
 * only the connection's next request waits, unread, in its own socket buffer, where it costs
 * nothing. A shed connection then asks at most as often as an admitted one is answered, which is
 * what Retry-After asks of a client that honours it.
 *
 * Why it grows: one service time is enough while the connections beyond the limit are a few times
 * the limit. At 10,000 connections against two workers (bench/fanout-overload.ts, 2 CPUs) each
 * connection came back about three times a second: the workers shed 17,000 requests a second each,
 * the shedding took the loop, admitted requests took 2 s instead of 0.3 s, and goodput was a
 * quarter of what the same server gave with the control off. A connection that is refused every
 * time it is read is one of many more than the worker can take; doubling its pause, as a client's
 * own exponential backoff would, keeps the refusals to a few per connection per level of overload.
 * The streak is judged by time alone (shed again within one base pause of being read), so an
 * admitted request costs nothing here, and a connection that got in starts again from one pause.
 *
 * HTTP/1 only: an HTTP/2 session carries other streams that must not stop with this one.
 */
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'

/** Longer than this for a first refusal and a retrying client waits past what the p99 of a healthy page allows. */
const MAX_PAUSE_MS = 1000
/** The longest pause a connection refused again and again is given. */
const MAX_BACKOFF_MS = 4000

/**
 * A pause never longer than `max`, nor than half the keep-alive timeout (0: none), so a request
 * read late is never one the keep-alive timer would have cut.
 */
const capped = (max: number, keepaliveMs: number) => (keepaliveMs > 0 ? Math.min(max, keepaliveMs / 2) : max)

/** When each paced connection is read again, and for how long it was paused. */
const streaks = new WeakMap<Socket, { readAt: number; ms: number }>()

/**
 * How long to rest a connection shed at `now`: `restMs`, about what an admitted request takes now (the
 * limit's restMs; NaN: no pause), capped; twice its last pause if it was shed again within that of being
 * read again. Not io/retry.ts's backoff: that one is a client's full jitter, which may come out
 * at zero and let the connection be read again at once.
 */
function pauseFor(socket: Socket, restMs: number, keepaliveMs: number, now: number): number {
  if (!(restMs > 0)) return 0
  const base = Math.min(capped(MAX_PAUSE_MS, keepaliveMs), restMs)
  const last = streaks.get(socket)
  const ms = last !== undefined && now - last.readAt <= base ? Math.min(capped(MAX_BACKOFF_MS, keepaliveMs), Math.max(base, last.ms * 2)) : base
  streaks.set(socket, { readAt: now + ms, ms })
  return ms
}

/**
 * The request read from `socket` at `now` is the first since its connection's pause ended (it waited
 * in the socket's buffer meanwhile): the connection was shed last time.
 */
export function backFromRest(socket: Socket, now: number): boolean {
  const last = streaks.get(socket)
  return last !== undefined && now >= last.readAt && now - last.readAt <= last.ms
}

/** The connection's request runs: a refusal after it starts again from one pause. */
export function forgive(socket: Socket): void {
  streaks.delete(socket)
}

/**
 * Stop reading the request's connection for pauseFor()'s time, from now: called as the 503 is
 * written, in the same turn of the loop, so that the client's next request waits in the socket's
 * buffer. When the
 * pause began only after the answer's 'finish' (and a setImmediate), it began too late under load:
 * with thousands of connections libuv reads several batches of ready sockets in one turn of the
 * loop, and wrk's next request, sent as the 503 arrived, was read and shed in that same turn
 * (10,000 connections: 17,000 refusals a second per worker, most of them within a pause).
 * `_paused` is node:http's own mark for a socket it paused (its write backpressure): while it is
 * set node:http does not resume the socket when it reads the rest of a request or when a request
 * ends, and it pauses the parser as well once the packet it is reading is done. A socket node:http
 * has paused itself is left to it.
 */
export function pauseReading(req: IncomingMessage, restMs: number, keepaliveMs: number, now: number): void {
  const socket = req.socket as Socket & { _paused?: boolean; parser?: { resume(): void } | null }
  if (req.httpVersionMajor !== 1 || socket._paused) return
  const ms = pauseFor(socket, restMs, keepaliveMs, now)
  if (ms <= 0) return
  socket._paused = true
  socket.pause()
  setTimeout(() => {
    if (socket.destroyed) return
    // When it is read again, by the clock requests are stamped with: the timer runs on the loop's
    // cached time, up to a turn before now + ms, and a request read then would seem read before
    // its rest ended (backFromRest).
    const streak = streaks.get(socket)
    if (streak) streak.readAt = performance.now()
    // As node:http ends its own pause: seeing the mark after the packet it was reading, it paused
    // the parser too.
    socket._paused = false
    socket.parser?.resume()
    socket.resume()
  }, ms).unref()
}
