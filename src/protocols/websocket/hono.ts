/**
 * `corral/hono`: Hono's WebSocket helper for apps served by corral, as `hono/bun` or
 * `hono/deno` are for theirs. Hono passes its fetch's second argument as `c.env`; under corral that
 * is the request's ctx, whose upgradeWebSocket accepts the socket.
 *
 *   import { upgradeWebSocket } from 'corral/hono'
 *   app.get('/ws', upgradeWebSocket(() => ({ onMessage: (event, ws) => ws.send(String(event.data)) })))
 *
 * On a request that is not a WebSocket upgrade the route falls through to the next handler.
 */
import { createWSMessageEvent, defineWebSocketHelper, WSContext, type WSEvents, type WSReadyState } from 'hono/ws'
import type { WebSocket } from 'ws'
import type { RequestContext } from '../../app/types.js'

export interface UpgradeWebSocketOptions {
  /** The subprotocol to answer with; by default the first the client offered. */
  protocol?: string
}

type CloseEventLike = Parameters<NonNullable<WSEvents['onClose']>>[0]
type CloseEventClass = new (type: string, init: { code: number; reason: string; wasClean: boolean }) => CloseEventLike

/** CloseEvent is global from Node 23 on; before that, an Event with the same fields. */
function closeEvent(code: number, reason: string): CloseEventLike {
  const init = { code, reason, wasClean: code !== 1006 }
  const Native = (globalThis as { CloseEvent?: CloseEventClass }).CloseEvent
  return Native ? new Native('close', init) : Object.assign(new Event('close'), init) as unknown as CloseEventLike
}

const received = (data: Buffer | ArrayBuffer | Buffer[], binary: boolean) => {
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)
  return binary ? bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer : bytes.toString('utf8')
}

export const upgradeWebSocket = defineWebSocketHelper<WebSocket, UpgradeWebSocketOptions>((c, events, options) => {
  const ctx = c.env as RequestContext | undefined
  if (typeof ctx?.upgradeWebSocket !== 'function') return
  return ctx.upgradeWebSocket((ws) => {
    const socket = new WSContext<WebSocket>({
      send: (data, o) => ws.send(data, { compress: o.compress }),
      close: (code, reason) => ws.close(code, reason),
      raw: ws,
      get readyState() { return ws.readyState as WSReadyState },
      url: c.req.url,
      protocol: ws.protocol || null,
    })
    ws.on('message', (data, binary) => events.onMessage?.(createWSMessageEvent(received(data, binary)), socket))
    ws.on('close', (code, reason) => events.onClose?.(closeEvent(code, reason.toString()), socket))
    ws.on('error', (err) => events.onError?.(Object.assign(new Event('error'), { error: err }), socket))
    events.onOpen?.(new Event('open'), socket)
  }, options)
})
