/**
 * The worker's open WebSockets: kept alive with pings while silent, closed when dead, and closed
 * with 1001 (going away) when the worker drains. It holds every upgraded connection, the ones
 * corral accepted (accept.ts) and the ones an app's own `upgrade` export accepted with the ws
 * library. For the latter it finds the library's WebSocket on the socket, where ws keeps it (under
 * its symbol "websocket"): ws is what @fastify/websocket, socket.io and most Node apps use, and it
 * is the only way to send a close frame without writing into the middle of the app's own frames.
 * A connection upgraded to anything else gets no pings, and is ended (FIN, not a reset) when the
 * grace period of a drain runs out.
 */
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'

export interface WebSocketTiming {
  /** A socket silent this long gets a ping; 0: never. */
  pingIntervalMs: number
  /** A ping unanswered (and nothing else heard) this long: the peer is gone. */
  pingTimeoutMs: number
  /** How long a drain waits for clients to answer the close frame. */
  closeTimeoutMs: number
}

/** Close code 1001: the endpoint is going away (RFC 6455 §7.4.1), what a browser shows on a server restart. */
export const GOING_AWAY = 1001
const OPEN = 1

interface Tracked {
  socket: Duplex & { bytesRead?: number }
  ws: WebSocket | undefined
  bytes: number
  heardAt: number
  pingedAt: number | undefined
}

/** ws's WebSocket on an upgraded socket, if ws upgraded it. */
function wsOn(socket: Duplex): WebSocket | undefined {
  for (const key of Object.getOwnPropertySymbols(socket)) {
    if (key.description !== 'websocket') continue
    const ws = (socket as unknown as Record<symbol, unknown>)[key] as WebSocket | undefined
    if (ws && typeof ws.ping === 'function' && typeof ws.close === 'function') return ws
  }
  return undefined
}

export class WebSockets {
  readonly #open = new Map<Duplex, Tracked>()
  readonly #t: WebSocketTiming
  #timer: NodeJS.Timeout | undefined
  #onEmpty: (() => void) | undefined

  constructor(timing: WebSocketTiming) {
    this.#t = timing
  }

  get size(): number { return this.#open.size }

  /** Track an upgraded connection until it closes; `ws` when corral accepted it, else looked up. */
  add(socket: Duplex, ws?: WebSocket): void {
    if (this.#open.has(socket)) {
      if (ws) this.#open.get(socket)!.ws = ws
      return
    }
    const s = socket as Tracked['socket']
    this.#open.set(socket, { socket: s, ws, bytes: s.bytesRead ?? 0, heardAt: performance.now(), pingedAt: undefined })
    socket.once('close', () => {
      this.#open.delete(socket)
      if (this.#open.size === 0) this.#onEmpty?.()
    })
    this.#startPings()
  }

  #startPings(): void {
    const { pingIntervalMs, pingTimeoutMs } = this.#t
    if (this.#timer || pingIntervalMs === 0) return
    const shortest = pingTimeoutMs > 0 ? Math.min(pingIntervalMs, pingTimeoutMs) : pingIntervalMs
    this.#timer = setInterval(() => this.#ping(), Math.min(5000, Math.max(50, Math.floor(shortest / 4))))
    this.#timer.unref()
  }

  /** Any byte read (a message, a pong, a ping of its own) shows the peer is there. */
  #ping(): void {
    const now = performance.now()
    for (const t of this.#open.values()) {
      const bytes = t.socket.bytesRead ?? 0
      if (bytes !== t.bytes) {
        t.bytes = bytes
        t.heardAt = now
        t.pingedAt = undefined
        continue
      }
      t.ws ??= wsOn(t.socket)
      if (t.ws === undefined || t.ws.readyState !== OPEN) continue
      if (t.pingedAt !== undefined) {
        if (this.#t.pingTimeoutMs > 0 && now - t.pingedAt >= this.#t.pingTimeoutMs) t.ws.terminate()
      } else if (now - t.heardAt >= this.#t.pingIntervalMs) {
        t.pingedAt = now
        t.ws.ping()
      }
    }
    if (this.#open.size === 0) {
      clearInterval(this.#timer)
      this.#timer = undefined
    }
  }

  /**
   * Drain: every socket gets a close frame with 1001, and has closeTimeoutMs to answer it; then
   * what is left is ended. Resolves once every socket has closed.
   */
  drain(): Promise<void> {
    if (this.#open.size === 0) return Promise.resolve()
    const done = new Promise<void>((resolve) => { this.#onEmpty = resolve })
    for (const t of this.#open.values()) {
      t.ws ??= wsOn(t.socket)
      if (t.ws && t.ws.readyState === OPEN) t.ws.close(GOING_AWAY, 'server going away')
    }
    const end = setTimeout(() => {
      for (const t of this.#open.values()) t.socket.end()
      // A peer that does not close its side after our FIN is let go of for good.
      setTimeout(() => { for (const t of this.#open.values()) t.socket.destroy() }, 1000).unref()
    }, this.#t.closeTimeoutMs)
    end.unref()
    return done.finally(() => clearTimeout(end))
  }

  /** Fast stop: a close frame where one can be sent, then every connection is cut. */
  destroyAll(): void {
    for (const t of this.#open.values()) {
      t.ws ??= wsOn(t.socket)
      try { if (t.ws?.readyState === OPEN) t.ws.close(GOING_AWAY, 'server stopping') } catch { /* closing anyway */ }
      // destroySoon lets the close frame out first.
      const socket = t.socket as Partial<Socket> & Duplex
      if (typeof socket.destroySoon === 'function') socket.destroySoon()
      else socket.destroy()
    }
    clearInterval(this.#timer)
  }
}
