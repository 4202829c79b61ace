/**
 * The bytes before a connection's first request line. llhttp skips any run of CR and LF there
 * (on every Node line corral supports), so `\rGET / HTTP/1.1` is served as if the CR were not
 * there. RFC 9112 §2.2 lets a server ignore empty lines (CRLF) before a request line, but a bare
 * CR must be refused or replaced, and a CR replaced by SP would leave a request line that begins
 * with a space: corral refuses the request (400), as it refuses a bare CR anywhere else.
 *
 * Nothing of the skipped run reaches JavaScript, so the parser's own callbacks are borrowed until
 * the first request begins: its message-begin callback (which node:http leaves empty) sees the
 * packet the request begins in, and its per-packet callback the packets before, if any. Both are
 * put back as the request begins, so a connection pays one copy of its first packet and its
 * requests nothing but one integer compare in checkRequest.
 *
 * Not watched: the bytes before a later request on a keep-alive connection (where each one begins
 * in a packet is known only to llhttp; finding it would cost a callback and a packet copy per
 * request), and over TLS packets before the first request's own (node:http gives those no callback).
 */
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'

/** node:http's parser (HTTPParser), as far as corral borrows it; the slot numbers are Node's kOn* constants. */
interface Parser {
  socket: Socket | null
  getCurrentBuffer(): Buffer
  /** kOnMessageBegin */
  0: ((this: Parser) => void) | null
  /** kOnExecute */
  5: ((this: Parser, ret: unknown) => unknown) | null
}
const kOnMessageBegin = 0
const kOnExecute = 5

const CR = 13
const LF = 10

/** Connections whose first request began after a bare CR: checkRequest refuses that request. */
const refused = new WeakSet<Socket>()
/** How many of them still wait for their request, so that the request path tests only a number. */
let waiting = 0

/** Watch a new connection's bytes until its first request begins (the server's connection event). */
export function watchRequestStart(socket: Socket): void {
  const parser = (socket as Socket & { parser?: Parser | null }).parser
  if (!parser) return // an HTTP/2 connection: its own framing has no request line
  const execute = parser[kOnExecute]
  let cr = false
  let bad = false
  // Follow the run of CR and LF at the start of `bytes`; a CR must be followed by LF.
  const scan = (bytes: Buffer) => {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]
      if (cr && b !== LF) { bad = true; return }
      if (b !== CR && b !== LF) return
      cr = b === CR
    }
  }
  parser[kOnMessageBegin] = function () {
    this[kOnMessageBegin] = null
    // Node pools its parsers: one whose connection closed before a request must not judge the next.
    if (this.socket !== socket) return
    this[kOnExecute] = execute
    scan(this.getCurrentBuffer())
    if (!bad) return
    refused.add(socket)
    waiting++
    socket.once('close', forget)
  }
  if (execute) {
    // Called after each packet llhttp has read; the first request has not begun while this is in place.
    parser[kOnExecute] = function (ret) {
      if (this.socket === socket) scan(this.getCurrentBuffer())
      return execute.call(this, ret)
    }
  }
}

function forget(this: Socket): void {
  if (refused.delete(this)) waiting--
}

/** Whether this request is one that began after a bare CR (and so is refused); costs a compare when none is waiting. */
export function startedAfterBareCr(req: IncomingMessage): boolean {
  if (waiting === 0 || !refused.has(req.socket)) return false
  refused.delete(req.socket)
  waiting--
  return true
}
