/**
 * Where a worker's connections come in: handed over by the master (round-robin; the master holds
 * the listening sockets) or accepted on a socket of the worker's own when PROXY protocol headers
 * must be read first. Each is set up as node:http's own accept would (no Nagle, half-open allowed),
 * its PROXY header read when its peer is a trusted balancer, then given to the http server.
 *
 * Connections are counted so a drain can wait for the ones that have not yet brought a request:
 * node:http counts only those its own listening socket accepted.
 */
import type { Server as HttpServer } from 'node:http'
import type { SendHandle } from 'node:child_process'
import { createServer as createNetServer, Socket, type Server as NetServer } from 'node:net'
import type { Logger } from '../logging/logger.js'
import { send } from '../ipc/channel.js'
import { isArbiterMessage } from '../ipc/messages.js'
import type { ProxiedPeer } from './proxy-protocol.js'

export interface IntakeOptions {
  /**
   * With --proxy-protocol: who may send a header, how long it may take (--header-timeout), and
   * proxy-protocol.ts's reader, which only a worker with --proxy-protocol loads (its parser,
   * proxy-protocol-js, is 17 modules that a worker without it never needs).
   */
  proxy?: {
    trusted: (ip: string) => boolean
    timeoutMs: number
    read: (socket: Socket, timeoutMs: number) => Promise<ProxiedPeer | undefined>
    adopt: (socket: Socket, peer: ProxiedPeer) => void
  }
  log: Logger
  /** --backlog: a socket listened on again keeps the master's queue length (listen() sets it anew). */
  backlog: number
}

/**
 * The most connections a worker takes from one copy of the master's socket during a burst
 * (arbiter/burst.ts). Then it closes the copy, which ends libuv's accept loop in this turn (the
 * kernel hands an accepting process every connection waiting), and asks the master for the socket
 * again (`burst-more`). A worker that took thousands in one turn shed most of them in a turn that
 * long while the other worker's loop came round to an empty queue: the fan-out at 10,000
 * connections with --burst-intake (Node 20, 2 CPUs, two alternating runs each) kept 2,728 and 2,703
 * full answers a second with batches of 8 against 2,092 and 2,216 without, shed 22k and 17k
 * requests against 31k and 39k, and its slowest shed took 25 and 18 ms against 104 and 90 ms.
 * It also shares a small burst: 30 connections opened at once to a fresh 2-worker shop
 * (test/shop/npm-start.test.ts) had some of their requests shed by one worker's adaptive limit in 2
 * of 6 runs with the batch unbounded, where the first worker to accept took every one waiting, and
 * in none of 6 with batches of 8. Half the master's burst line (BURST_LINE, 16).
 */
const BURST_BATCH = 8

const BAD_PROXY = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 21\r\n\r\nbad PROXY protocol.\r\n'

export class Intake {
  readonly #o: IntakeOptions
  #open = 0
  #onIdle: (() => void) | undefined
  #closing = false
  /** Per master listener, the copy of its socket this worker accepts from during a burst (arbiter/burst.ts). */
  readonly #bursting = new Map<number, NetServer>()
  /** Cleared when the worker starts draining: a burst message the master sent before it knew is then refused. */
  #burstsAllowed = true

  constructor(options: IntakeOptions) {
    this.#o = options
  }

  get open(): number { return this.#open }

  take(server: HttpServer, socket: Socket): void {
    this.#open++
    socket.once('close', () => { if (--this.#open === 0) this.#onIdle?.() })
    socket.setNoDelay(true)
    // node:http makes its server half-open so it can answer a client that has finished sending.
    socket.allowHalfOpen = (server as HttpServer & { allowHalfOpen?: boolean }).allowHalfOpen ?? false
    const proxy = this.#o.proxy
    if (!proxy || !proxy.trusted(socket.remoteAddress ?? '')) {
      server.emit('connection', socket)
      return
    }
    proxy.read(socket, proxy.timeoutMs).then((peer) => {
      if (peer) proxy.adopt(socket, peer)
      server.emit('connection', socket)
    }, (err: Error) => {
      this.#o.log.debug({ peer: socket.remoteAddress, err: err.message }, 'connection closed: bad PROXY protocol header')
      if (socket.writable) socket.end(BAD_PROXY)
      socket.destroySoon()
    })
  }

  /**
   * Take the connections the master hands over; `servers[i]` serves the master's listener i. Each
   * comes as the bare kernel handle (the master never wraps it, dispatch.ts) and becomes a
   * net.Socket here, as node:net's own accept makes one.
   */
  fromMaster(servers: readonly HttpServer[]): void {
    process.on('message', (m: unknown, handle?: { close(): void }) => {
      if (isArbiterMessage(m) && m.type === 'burst') return this.#burst(m, handle, servers)
      if (!isArbiterMessage(m) || m.type !== 'connection' || !handle) return
      if (this.#closing) {
        // Nothing has been read from it: closing this copy of the descriptor leaves the connection
        // whole in the master's, which hands it to another worker.
        handle.close()
        send(process, { type: 'refused' })
        return
      }
      this.take(servers[m.listener], new Socket({ handle, readable: true, writable: true } as ConstructorParameters<typeof Socket>[0]))
      send(process, { type: 'accepted' })
    })
  }

  /** From now on, connections the master hands over are given back: this worker is about to exit. */
  close(): void {
    this.#closing = true
    this.stopBursts()
  }

  /**
   * Stop accepting on the master's sockets (a draining worker). Only this worker's copy closes: the
   * socket and the connections in its queue stay with the master and the other workers.
   */
  stopBursts(): void {
    this.#burstsAllowed = false
    for (const own of this.#bursting.values()) own.close()
    this.#bursting.clear()
  }

  #burst(m: { listener: number; on: boolean; copy?: true }, handle: { close(): void } | undefined, servers: readonly HttpServer[]): void {
    const listen = m.on && this.#burstsAllowed && !this.#bursting.has(m.listener) && servers[m.listener] !== undefined
    if (!m.on) {
      this.#bursting.get(m.listener)?.close()
      this.#bursting.delete(m.listener)
    }
    if (!handle) return
    // Sent back before this worker watches it: the master holds a copy that nobody accepts on.
    if (m.copy) process.send?.({ type: 'burst-copy', listener: m.listener }, handle as unknown as SendHandle, {}, () => { if (!listen) handle.close() })
    else if (!listen) handle.close()
    if (!listen) return
    const own = createNetServer()
    own.on('error', (err) => this.#o.log.warn({ err: err.message }, 'accepting during a burst failed; the master hands connections over as before'))
    own.listen(handle as Parameters<NetServer['listen']>[0], this.#o.backlog)
    this.#bursting.set(m.listener, own)
    const server = servers[m.listener]!
    let taken = 0
    own.on('connection', (socket: Socket) => {
      this.take(server, socket)
      if (++taken < BURST_BATCH || this.#bursting.get(m.listener) !== own) return
      own.close()
      this.#bursting.delete(m.listener)
      send(process, { type: 'burst-more', listener: m.listener })
    })
  }

  /** Feed `server` from a listening socket of this worker's own. */
  from(own: NetServer, server: HttpServer): void {
    own.on('connection', (socket: Socket) => this.take(server, socket))
  }

  /** Resolves once no connection is open: every one has brought its last request, or timed out. */
  idle(): Promise<void> {
    if (this.#open === 0) return Promise.resolve()
    return new Promise((resolve) => { this.#onIdle = resolve })
  }
}
