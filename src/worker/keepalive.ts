/**
 * --keepalive, enforced by a sweep over the server's connections instead of Node's own
 * keepAliveTimeout. Node re-arms a socket timer twice per request to do it (set when a response
 * ends, cleared when the next request arrives): on a hello-world request that is about 5% of the
 * worker's CPU (side-by-side wrk runs, bench/README.md). A sweep costs nothing per request.
 *
 * A connection counts as idle while it has no response in flight and has read no new byte. The
 * sweep runs every quarter of the keep-alive time (at most every second), and measures idleness
 * from the last sweep that saw activity, so a connection is closed no sooner than --keepalive
 * after its last request (as the Keep-Alive header tells clients), and at most one sweep later.
 */
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import type { Connections, Tracked } from './connections.js'

/** The response a socket is writing now; node:http keeps it on the socket until the response ends. */
const busy = (socket: Socket) => (socket as Socket & { _httpMessage?: unknown })._httpMessage != null

export const sweepEveryMs = (keepaliveMs: number) => Math.min(1000, Math.max(50, Math.floor(keepaliveMs / 4)))

/** node:http frees a connection's parser when the connection is upgraded (a WebSocket): it is no longer HTTP's. */
const upgraded = (socket: Socket) => (socket as Socket & { parser?: unknown }).parser === null

/**
 * Close the connections of `server` (as `connections` holds them: the HTTP/1.1 ones) once they have
 * been idle for `keepaliveMs`. Returns a stop function.
 */
export function enforceKeepalive(server: Server, connections: Connections, keepaliveMs: number): () => void {
  // Node's own timer is turned off; 0 in keepAliveTimeout means "no timeout" to Node.
  server.keepAliveTimeout = 0
  const timer = setInterval(() => {
    const now = performance.now()
    for (const [socket, seen] of connections) {
      const bytes = socket.bytesRead
      if (upgraded(socket)) {
        connections.drop(socket)
      } else if (bytes !== seen.bytes || busy(socket)) {
        seen.bytes = bytes
        seen.since = now
      } else if (now - seen.since >= keepaliveMs) {
        setImmediate(closeIfStillIdle, socket, seen)
      }
    }
  }, sweepEveryMs(keepaliveMs))
  // The sweep runs in the loop's timer phase, before the poll phase reads sockets: after a stall
  // (a busy handler, a starved machine), a request that reached the kernel in time would not have
  // been read yet. Deciding in the check phase, right after that poll, the next request wins and
  // the connection lives on. (A request still on the wire when the connection closes is the race
  // every keep-alive client must handle; the Keep-Alive header gives it a margin.)
  const closeIfStillIdle = (socket: Socket, seen: Tracked) => {
    if (socket.destroyed || socket.bytesRead !== seen.bytes || busy(socket)) return
    connections.drop(socket)
    socket.destroy()
  }
  timer.unref()
  return () => clearInterval(timer)
}
