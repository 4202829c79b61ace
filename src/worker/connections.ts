/**
 * The HTTP/1.1 connections a server holds, each with what the sweeps remember of it: the keep-alive
 * sweep (keepalive.ts) and the slow-client sweep (slow-clients.ts). One registry per server, so a
 * new connection costs one record, one Map entry and one 'close' listener shared by every socket.
 *
 * Why one: each sweep used to keep a Map of its own and add, per connection, a call of its own
 * 'connection' listener and a `once('close')` closure (the wrapper and the closure made, then called
 * and removed). For a client that opens a connection per request, that was measurable:
 * `bench/callgrind.ts --close` (hello, Node 26) counted 181k instructions per request on the worker's
 * main thread before and 174k after (node:cluster: 137k), and wall-clock runs of `ab -c 10` without
 * keep-alive 207 against 200 µs of CPU per request (node:cluster 184).
 */
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'

/** One connection: the fields each sweep reads and writes, in one object. */
export interface Tracked {
  /** keepalive.ts: the bytes read at the last sweep that saw activity, and when that was. */
  bytes: number
  since: number
  /** slow-clients.ts: the request whose body is being read, when the last sweep saw one. */
  body: IncomingMessage | undefined
  /** slow-clients.ts: when its body's clock started (or restarted after the app caught up), and the bytes read then. */
  bodySince: number
  bodyBytes: number
  /** slow-clients.ts: the response bytes queued at the last sweep that saw them shrink, and when. */
  queued: number
  queuedSince: number
}

export class Connections {
  readonly #all = new Map<Socket, Tracked>()
  /** One function for every socket's 'close', with the socket as `this`: no closure per connection. */
  readonly #onClose: (this: Socket) => void

  constructor() {
    const all = this.#all
    this.#onClose = function (this: Socket) { all.delete(this) }
  }

  add(socket: Socket): void {
    this.#all.set(socket, { bytes: socket.bytesRead, since: performance.now(), body: undefined, bodySince: 0, bodyBytes: 0, queued: 0, queuedSince: 0 })
    // 'close' comes once: on() spares the wrapper once() would make.
    socket.on('close', this.#onClose)
  }

  has(socket: Socket): boolean { return this.#all.has(socket) }

  /** Stop watching a connection that is still open (upgraded, or being closed by a sweep). */
  drop(socket: Socket): void { this.#all.delete(socket) }

  [Symbol.iterator](): IterableIterator<[Socket, Tracked]> { return this.#all.entries() }
}
