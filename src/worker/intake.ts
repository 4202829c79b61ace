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
 * How a worker takes a burst (arbiter/burst.ts) from copies of the master's listening socket.
 *
 * libuv accepts one connection each time a socket is reported readable (since libuv 1.45, PR 3696:
 * "don't accept() connections in a loop"; every Node corral supports has it): one per turn of the
 * event loop per copy watched. A worker whose loop turns every 20 ms takes 50 connections a second
 * from one copy however many wait, and each copy it watches is one accept more per turn. Measured
 * with a loop kept busy 10 ms a turn and 300 connections waiting: 1 copy took them in 2,990 ms, 4
 * in 740 ms, 16 in 183 ms. So a worker whose loop is busy (a copy's accepts come BUSY_TURN_MS or
 * more apart) asks the master for one copy more (`burst-more`), up to BURST_COPIES.
 *
 * An idle loop turns in microseconds and would take every connection waiting from one copy before
 * the other worker's loop came round: 30 connections opened at once to a fresh 2-worker shop
 * (test/shop/npm-start.test.ts) then had 3 of their requests shed by one worker's adaptive limit in
 * 2 of 6 runs. So a copy is closed after BURST_BATCH connections and replaced by the master (a
 * round trip, in which the other worker takes its share): the shop's 30 were answered in 6 of 6
 * runs. Closing is the only way to stop a listening socket's accepts in Node.
 */
const BURST_BATCH = 8
const BURST_COPIES = 8
/** Accepts this far apart from one copy: the loop turns slowly and a copy takes one a turn. */
const BUSY_TURN_MS = 5

const BAD_PROXY = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 21\r\n\r\nbad PROXY protocol.\r\n'

export class Intake {
  readonly #o: IntakeOptions
  #open = 0
  #onIdle: (() => void) | undefined
  #closing = false
  /**
   * Per master listener, the copies of its socket this worker accepts from during a burst
   * (arbiter/burst.ts), and how many more it has asked the master for.
   */
  readonly #bursting = new Map<number, { copies: NetServer[]; asked: number }>()
  /** Cleared when the worker starts draining: a burst message the master sent before it knew is then refused. */
  #burstsAllowed = true
  #pastHold = 0

  /** One function for every socket's 'close' (it comes once, so on() and no wrapper): no closure per connection. */
  readonly #onClose = (): void => { if (--this.#open === 0) this.#onIdle?.() }

  constructor(options: IntakeOptions) {
    this.#o = options
  }

  get open(): number { return this.#open }
  /**
   * Connections taken from copies the master sent while this worker led the others' connections
   * past its hold (arbiter/share.ts): what the share gave up to it. Its beats report the count.
   */
  get pastHold(): number { return this.#pastHold }

  take(server: HttpServer, socket: Socket): void {
    this.#open++
    socket.on('close', this.#onClose)
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
      send(process, { type: 'accepted', open: this.#open })
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
    for (const { copies } of this.#bursting.values()) for (const own of copies) own.close()
    this.#bursting.clear()
  }

  #burst(m: { listener: number; on: boolean; copy?: true; pastHold?: true }, handle: { close(): void } | undefined, servers: readonly HttpServer[]): void {
    const burst = this.#bursting.get(m.listener) ?? { copies: [], asked: 0 }
    if (m.on && handle && burst.asked > 0) burst.asked--
    const listen = m.on && this.#burstsAllowed && burst.copies.length < BURST_COPIES && servers[m.listener] !== undefined
    if (!m.on) {
      for (const own of burst.copies) own.close()
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
    burst.copies.push(own)
    this.#bursting.set(m.listener, burst)
    const server = servers[m.listener]!
    const more = () => {
      burst.asked++
      send(process, { type: 'burst-more', listener: m.listener, open: this.#open })
    }
    let taken = 0
    let last = performance.now()
    const pastHold = m.pastHold === true
    own.on('connection', (socket: Socket) => {
      this.take(server, socket)
      if (pastHold) this.#pastHold++
      if (this.#bursting.get(m.listener) !== burst || !burst.copies.includes(own)) return
      const now = performance.now()
      const busy = now - last >= BUSY_TURN_MS
      last = now
      if (++taken >= BURST_BATCH) {
        own.close()
        burst.copies.splice(burst.copies.indexOf(own), 1)
        more()
      }
      if (busy && burst.copies.length + burst.asked < BURST_COPIES) more()
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
