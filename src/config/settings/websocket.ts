import { section } from '../setting.js'
import { bytes, duration } from '../parse.js'

export const websocket = section('WebSockets', {
  wsMaxSize: {
    parse: bytes, default: 1024 * 1024,
    doc: `The largest WebSocket message a client may send to a socket corral accepts; a larger one closes the socket
          with 1009. See docs/websockets.md.`,
  },
  wsPingInterval: {
    parse: duration, default: 20_000,
    doc: `A WebSocket that has been silent this long gets a ping. 0 turns pings off.`,
  },
  wsPingTimeout: {
    parse: duration, default: 20_000,
    doc: `A WebSocket that answers neither a ping nor anything else within this long is dead: its connection is closed.`,
  },
  wsCloseTimeout: {
    parse: duration, default: 5000,
    doc: `When a worker drains (stop, reload, recycling), each open WebSocket gets a close frame with 1001 (going away);
          the client has this long to answer it before the connection is ended. Bounded by --graceful-timeout.`,
  },
})
