/**
 * The WebSockets corral accepts itself (ctx.upgradeWebSocket, the Hono helper): the handshake and
 * the framing are the ws library's, with corral's limits. One server per worker, with no listener
 * and no client list of its own (the worker's WebSockets registry tracks the sockets). ws is loaded
 * at the first socket accepted: a worker that never takes one does not pay its load time.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { WebSocket, WebSocketServer } from 'ws'

export interface AcceptLimits {
  /** --ws-max-size: a larger message closes the socket with 1009; 0 means no limit. */
  maxMessageBytes: number
  /** How long ws waits for the client's close frame after sending its own. */
  closeTimeoutMs: number
}

export interface AcceptOptions {
  /** The subprotocol to answer with (one the client offered); by default the first it offered, as ws does. */
  protocol?: string
}

export class Acceptor {
  readonly #limits: AcceptLimits
  readonly #chosen = new WeakMap<IncomingMessage, string>()
  #wss: Promise<WebSocketServer> | undefined

  constructor(l: AcceptLimits) {
    this.#limits = l
  }

  #server(): Promise<WebSocketServer> {
    return (this.#wss ??= import('ws').then(({ WebSocketServer }) => new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: this.#limits.maxMessageBytes,
      perMessageDeflate: false,
      closeTimeout: this.#limits.closeTimeoutMs,
      handleProtocols: (offered: Set<string>, req: IncomingMessage) => {
        const chosen = this.#chosen.get(req)
        if (chosen !== undefined) return offered.has(chosen) ? chosen : false
        const first = offered.values().next()
        return first.done ? false : first.value
      },
    } as ConstructorParameters<typeof WebSocketServer>[0])))
  }

  /**
   * Complete the handshake on `socket`. Resolves with the open WebSocket, or undefined when the
   * request is not a valid WebSocket handshake (ws has answered it with 400 and closed it) or the
   * client left first.
   */
  async accept(req: IncomingMessage, socket: Duplex, head: Buffer, o: AcceptOptions = {}): Promise<WebSocket | undefined> {
    const wss = await this.#server()
    if (socket.destroyed) return undefined
    if (o.protocol !== undefined) this.#chosen.set(req, o.protocol)
    return new Promise((resolve) => {
      const onClose = () => resolve(undefined)
      socket.once('close', onClose)
      wss.handleUpgrade(req, socket, head, (ws) => {
        socket.off('close', onClose)
        resolve(ws)
      })
    })
  }
}
