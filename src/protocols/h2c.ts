/**
 * Cleartext HTTP/2 by prior knowledge (RFC 9113 §3.3) on a listener that also serves HTTP/1.1: a
 * client that knows the server speaks HTTP/2 opens with the connection preface
 * "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", which no HTTP/1.1 request can start with. Each new connection is
 * read until its first bytes decide; they are put back, and the socket goes to node:http2 or to
 * node:http, which read it from the start as if it had come to them directly.
 *
 * Only listeners with --h2c pay this (one read per connection, none per request).
 */
import type { Server as HttpServer } from 'node:http'
import type { Http2Server } from 'node:http2'
import type { Socket } from 'node:net'

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')
/** Enough of the preface to tell it from any HTTP/1.1 method ("PRI " is not one). */
const DECIDES = 4

/**
 * Route `server`'s connections by their first bytes. Call it after every 'connection' listener of
 * the HTTP/1.1 side is in place: those then run only for HTTP/1.1 connections. A connection that
 * sends nothing within `firstByteTimeoutMs` is closed, as the HTTP/1.1 header timeout would.
 */
export function acceptPriorKnowledge(server: HttpServer, h2: Http2Server, firstByteTimeoutMs: number): void {
  const http1 = server.listeners('connection') as ((socket: Socket) => void)[]
  server.removeAllListeners('connection')
  server.on('connection', (socket: Socket) => {
    let head: Buffer | undefined
    const onError = () => socket.destroy()
    const timer = firstByteTimeoutMs > 0 ? setTimeout(() => socket.destroy(), firstByteTimeoutMs) : undefined
    const onReadable = () => {
      for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) {
        head = head ? Buffer.concat([head, chunk]) : chunk
      }
      if (head === undefined) return
      const n = Math.min(head.length, PREFACE.length)
      const h2Preface = head.subarray(0, n).equals(PREFACE.subarray(0, n))
      if (h2Preface && n < DECIDES) return
      clearTimeout(timer)
      socket.off('readable', onReadable)
      socket.off('error', onError)
      socket.off('end', onError)
      socket.unshift(head)
      if (h2Preface) h2.emit('connection', socket)
      else for (const listener of http1) listener.call(server, socket)
    }
    socket.on('readable', onReadable)
    socket.on('error', onError)
    socket.on('end', onError)
  })
}
