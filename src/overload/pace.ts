/**
 * A shed client's connection is read again only after a rest: one service time (the limit's latency
 * sample), or, where the connections resting in this worker outnumber its requests running, as long
 * as that line takes to get a slot by Little's law: one service time for each connection resting,
 * this one counted, per request running. One service time is at most ONE_REST_MAX_MS, the line's
 * rest at most MAX_PAUSE_MS, and neither comes near the keep-alive timeout. A rest ends early when a
 * slot frees and nobody waits in the queue: the connection that has rested longest is read again
 * (wakeResting). The rest's length is then only the longest it can be.
 *
 * Why a rest: a client that answers a 503 by asking again at once (wrk does; so do retry loops
 * without backoff) turns every refusal into the next request. At 1,000 connections on the 2-CPU
 * development VM the shop's workers shed 145,000 requests in 10 s once the limit came down
 * (`--overload-tolerance 1.1`): the refusals and their retries took the CPU the admitted pages
 * needed, and goodput fell to 55/s. The 503 itself still goes out at once (issue 12: under 10 ms);
 * only the connection's next request waits, unread, in its own socket buffer, where it costs
 * nothing. Resting connections come back at about the rate running requests end, so the worker
 * refuses at most about as many requests as it serves, which is what Retry-After asks of clients
 * that honour it.
 *
 * Why it grows with the line: the rest is what the client measures (its next request waits it out
 * before the server reads it), so it should be no longer than its wait for a slot, and no shorter
 * than it either. One service time for every connection was too short at 10,000 connections against
 * two workers (bench/fanout-overload.ts, 2 CPUs): each connection came back about three times a
 * second, the workers shed 17,000 requests a second each, admitted requests took 2 s instead of
 * 0.3 s, and goodput was a quarter of what the control off gave. Until stop 53 a connection refused
 * again as soon as it was read rested twice as long as the last time, up to 2.5 s: right at 10,000,
 * but at the shop's 1,000 connections, where a worker ran about 150-350 requests with about as many
 * connections resting, a connection that happened to come back to a full limit waited 1-2.5 s, and
 * those were the requests in the top 1% of the clients' latency (bench/results/2026-12-06-stop53/).
 *
 * Why a slot ends a rest: the rest is a guess made when the connection is refused, from the line and
 * the running then. The adaptive limit swings within a level (the shop at 1,000 connections: from
 * 55-150 to 430-1,100 a worker), and a guess made in a dip stays long after the limit has climbed
 * back: those connections' next requests were what was left in the top 1% after stop 53
 * (bench/results/2026-12-06-stop54/). A slot given to the longest resting connection is the queue
 * the rest stands for, served in order, without holding the request.
 *
 * Why never less than one service time: rests shorter than that where few connections rest (a
 * build tried in stop 53 rested them the line's time however short, at least 10 ms) brought the
 * connections refused at a burst's start back within milliseconds to a limit still full: the
 * fan-out's p99 at 1,000 connections was 1.9-2.2 s against main's 0.9-1.1 s, its accept queue held
 * for 2.0-2.6 s instead of 0.8-1.1 s. A slot that frees is another matter: it brings one
 * connection back to room, not to a full limit.
 *
 * HTTP/1 only: an HTTP/2 session carries other streams that must not stop with this one.
 */
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { Fifo } from './fifo.js'

/**
 * The longest rest of one service time: longer, and a client refused while the line is short waits
 * past what the p99 of a healthy page allows.
 */
const ONE_REST_MAX_MS = 1000
/** The longest rest however long the line: past it a client has likely given up on the request it sent. */
const MAX_PAUSE_MS = 4000

/**
 * A pause never longer than `max`, nor than half the keep-alive timeout (0: none), so a request
 * read late is never one the keep-alive timer would have cut.
 */
const capped = (max: number, keepaliveMs: number) => (keepaliveMs > 0 ? Math.min(max, keepaliveMs / 2) : max)

/**
 * A connection's last rest: when it is read again and for how long it rested (backFromRest), whether
 * it rests still, and `wake`, which reads it again now, once, and tells whether it did (the rest's
 * timer ends it the same way).
 */
interface Rest {
  readAt: number
  ms: number
  resting: boolean
  wake(): boolean
}

/** Each shed connection's last rest, until a request of its own runs (forgive). */
const rests = new WeakMap<Socket, Rest>()

/** Connections of this worker not read now: resting after a refusal. */
let resting = 0

/**
 * The resting connections in the order they were refused: a slot that frees goes to the one that
 * has rested longest (wakeResting), before its rest's timer ends. An entry whose rest has ended
 * stays until the ones before it have ended too (trimLine); rests end roughly in the order they
 * began, so that is soon.
 */
const line = new Fifo<Rest>()

/** HTTP/1 connections this worker is not reading now, resting after a refusal (/status, metrics). */
export function restingConnections(): number {
  return resting
}

/**
 * How long to rest a connection shed now: `restMs`, about what an admitted request takes (the
 * limit's restMs; NaN: no rest), at most ONE_REST_MAX_MS; or `restMs` times the connections resting,
 * this one counted, per `running` request where that is longer, at most MAX_PAUSE_MS. Never more
 * than half the keep-alive timeout. Not io/retry.ts's backoff: that one is a client's full jitter,
 * which may come out at zero and let the connection be read again at once.
 */
function pauseFor(restMs: number, keepaliveMs: number, running: number): number {
  if (!(restMs > 0)) return 0
  const one = Math.min(capped(ONE_REST_MAX_MS, keepaliveMs), restMs)
  return Math.min(capped(MAX_PAUSE_MS, keepaliveMs), Math.max(one, (restMs * (resting + 1)) / Math.max(1, running)))
}

/**
 * The request read from `socket` at `now` is the first since its connection's pause ended (it waited
 * in the socket's buffer meanwhile): the connection was shed last time.
 */
export function backFromRest(socket: Socket, now: number): boolean {
  const last = rests.get(socket)
  return last !== undefined && now >= last.readAt && now - last.readAt <= last.ms
}

/** The connection's request runs: the next one read from it is its own, not one back from a rest. */
export function forgive(socket: Socket): void {
  rests.delete(socket)
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
export function pauseReading(req: IncomingMessage, restMs: number, keepaliveMs: number, now: number, running: number): void {
  const socket = req.socket as Socket & { _paused?: boolean; parser?: { resume(): void } | null }
  if (req.httpVersionMajor !== 1 || socket._paused) return
  const ms = pauseFor(restMs, keepaliveMs, running)
  if (ms <= 0) return
  socket._paused = true
  socket.pause()
  // Counted until it is read again or closes, whichever comes first.
  resting++
  const ended = () => {
    if (!rest.resting) return
    rest.resting = false
    resting--
    trimLine()
  }
  const rest: Rest = {
    readAt: now + ms,
    ms,
    resting: true,
    wake: () => {
      if (!rest.resting) return false
      ended()
      clearTimeout(timer)
      socket.removeListener('close', ended)
      if (socket.destroyed) return false
      // When it is read again, by the clock requests are stamped with: the timer runs on the loop's
      // cached time, up to a turn before now + ms, and a request read then would seem read before
      // its rest ended (backFromRest).
      rest.readAt = performance.now()
      // As node:http ends its own pause: seeing the mark after the packet it was reading, it paused
      // the parser too.
      socket._paused = false
      socket.parser?.resume()
      socket.resume()
      return true
    },
  }
  rests.set(socket, rest)
  socket.once('close', ended)
  const timer = setTimeout(rest.wake, ms).unref()
  line.push(rest)
}

/**
 * The entries at the head whose rest is over leave, as each rest ends: the line holds about the
 * connections resting, and no closed socket is kept once the line has moved past it.
 */
function trimLine(): void {
  while (line.length > 0 && !line.peek()!.resting) line.shift()
}

/**
 * `slots` requests may start now and nobody waits for them (overload/admission.ts): as many of the
 * connections that have rested longest are read again, before their rests end. A rest is only a
 * guess at how long the line takes to get a slot; when the limit dips, the guesses made then are
 * long and stay long after it has climbed back (the shop at 1,000 connections, stop 54).
 */
export function wakeResting(slots: number): void {
  while (slots > 0 && line.length > 0) {
    if (line.shift()!.wake()) slots--
  }
}
