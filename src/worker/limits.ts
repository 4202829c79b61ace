/**
 * Request limits and framing rules, with Gunicorn's names and defaults. Node's parser (llhttp)
 * enforces only a total header size and accepts some requests Gunicorn rejects, so corral checks
 * the rest itself. Every rejection answers with a status and closes the connection; the worker
 * serves on.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { codes, type ErrorCode } from '../errors.js'
import { FORWARDED } from './forwarded.js'
import { normalizeTarget, validHost } from './target.js'
import { silence } from './silence.js'
import { forbiddenTrailer } from './trailers.js'
import { startedAfterBareCr } from './request-start.js'

export interface Limits {
  limitRequestLine: number
  limitRequestFields: number
  limitRequestFieldSize: number
  maxBodySize: number
}

export interface Rejection { code: ErrorCode; detail: string }

const UNLIMITED_LINE = 64 * 1024
const UNLIMITED_FIELD = 64 * 1024

/** The total header budget handed to llhttp: every limit at its maximum, plus CRLFs. */
export function maxHeaderSize(l: Limits): number {
  const line = l.limitRequestLine || UNLIMITED_LINE
  const fields = l.limitRequestFields || 32_768
  const field = l.limitRequestFieldSize || UNLIMITED_FIELD
  return Math.min(line + 2 + fields * (field + 2) + 2, 16 * 1024 * 1024)
}

/** Node keeps only this many headers; one more than the limit lets us see the overflow. */
export const maxHeadersCount = (l: Limits) => (l.limitRequestFields ? l.limitRequestFields + 1 : 0)

/**
 * What checkRequest saw in the raw headers, so the request path never touches `req.headers`:
 * Node builds that object lazily, and a hello-world request that never reads it is cheaper.
 */
export interface Scan { chunked: boolean; forwarded: boolean }

// Names the scan looks for, by length first, so most headers are never lowercased: an array
// indexed by length, since a Set lookup per header showed in the hello profile.
const FORWARDED_NAMES = new Set(FORWARDED)
const INTERESTING_LENGTH = new Uint8Array(32)
for (const name of ['host', 'transfer-encoding', 'content-length', ...FORWARDED]) INTERESTING_LENGTH[name.length] = 1

export function checkRequest(req: IncomingMessage, l: Limits, scan: Scan): Rejection | undefined {
  scan.chunked = false
  scan.forwarded = false
  if (l.limitRequestLine && req.method!.length + req.url!.length + 10 > l.limitRequestLine) {
    return { code: 'CORRAL_ERR_URI_TOO_LONG', detail: String(l.limitRequestLine) }
  }
  if (startedAfterBareCr(req)) return { code: 'CORRAL_ERR_BAD_REQUEST', detail: 'a bare CR before the request line' }
  const target = normalizeTarget(req)
  if (target !== 'origin' && target !== 'asterisk') return target
  const raw = req.rawHeaders
  if (l.limitRequestFields && raw.length / 2 > l.limitRequestFields) {
    return { code: 'CORRAL_ERR_HEADERS_TOO_LARGE', detail: `more than ${l.limitRequestFields} header fields` }
  }
  let hosts = 0
  let length: string | undefined
  let codings: string | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]
    if (l.limitRequestFieldSize && name.length + raw[i + 1].length + 2 > l.limitRequestFieldSize) {
      return { code: 'CORRAL_ERR_HEADERS_TOO_LARGE', detail: `header field ${name} is larger than ${l.limitRequestFieldSize} bytes` }
    }
    if (INTERESTING_LENGTH[name.length] !== 1) continue
    // Host as clients spell it is compared, not lowercased: toLowerCase() makes a new string of
    // every name with a capital, and nearly every request has a Host.
    const lower = name === 'Host' ? 'host' : name.toLowerCase()
    if (lower === 'host') {
      hosts++
      if (!validHost(raw[i + 1])) return { code: 'CORRAL_ERR_BAD_REQUEST', detail: 'an invalid Host header' }
    } else if (lower === 'transfer-encoding') {
      scan.chunked = true
      codings = codings === undefined ? raw[i + 1] : `${codings},${raw[i + 1]}`
    } else if (lower === 'content-length') length = raw[i + 1]
    else if (FORWARDED_NAMES.has(lower)) scan.forwarded = true
  }
  if (hosts > 1) return { code: 'CORRAL_ERR_BAD_REQUEST', detail: 'more than one Host header' }
  if (codings !== undefined && codings !== 'chunked') {
    const refused = checkCodings(codings)
    if (refused) return refused
  }
  if (req.httpVersionMajor !== 1 || (req.httpVersionMinor !== 0 && req.httpVersionMinor !== 1)) {
    // HTTP/0.9 has no version in its request line: that is a malformed HTTP/1.1 request line.
    if (req.httpVersionMajor === 0) return { code: 'CORRAL_ERR_BAD_REQUEST', detail: 'a request line without an HTTP version' }
    if (!isHttp2(req)) return { code: 'CORRAL_ERR_HTTP_VERSION', detail: `HTTP/${req.httpVersion}` }
    // An HTTP/2 body has no Transfer-Encoding: without a Content-Length it is streamed (and
    // counted against maxBodySize as it comes) unless the request's headers ended its stream.
    if (length === undefined && !(req as IncomingMessage & { stream: { endAfterHeaders: boolean } }).stream.endAfterHeaders) scan.chunked = true
  }
  if (req.httpVersionMinor === 0 && scan.chunked && req.httpVersionMajor === 1) {
    return { code: 'CORRAL_ERR_BAD_REQUEST', detail: 'Transfer-Encoding on an HTTP/1.0 request' }
  }
  if (l.maxBodySize && length !== undefined && Number(length) > l.maxBodySize) {
    return { code: 'CORRAL_ERR_BODY_TOO_LARGE', detail: String(l.maxBodySize) }
  }
  return undefined
}

/**
 * node:http takes any Expect that mentions 100-continue (`Expect: 100-continue[`, `Expect: foo,
 * 100-continue`) for 100-continue; HTTP/1.1 defines that one expectation alone, and a request
 * whose every member is not exactly it gets 417, as one that never mentions it does.
 */
export function checkExpect(req: IncomingMessage): Rejection | undefined {
  const value = req.headers.expect ?? ''
  if (value.length === 12 && value.toLowerCase() === '100-continue') return undefined
  const members = value.split(',').map((m) => m.trim().toLowerCase())
  return members.every((m) => m === '100-continue') ? undefined : { code: 'CORRAL_ERR_EXPECTATION', detail: value }
}

/**
 * A request's transfer codings (RFC 9112 §6.1, §6.3): chunked must come last and once, or the body's
 * length cannot be known (400); any coding before it is one corral does not decode, and the app
 * would get compressed bytes it never asked for (501). llhttp checks only that chunked is last.
 */
function checkCodings(list: string): Rejection | undefined {
  const codings = list.split(',').map((c) => c.split(';')[0].trim().toLowerCase()).filter((c) => c !== '')
  if (codings.at(-1) !== 'chunked' || codings.indexOf('chunked') !== codings.length - 1) {
    return { code: 'CORRAL_ERR_BAD_REQUEST', detail: `Transfer-Encoding ${list} does not end with one chunked` }
  }
  if (codings.length > 1) return { code: 'CORRAL_ERR_NOT_IMPLEMENTED', detail: `the transfer coding ${codings[0]}` }
  return undefined
}

/** A request that came over HTTP/2 (node:http2's compatibility API), not an HTTP/1.1 request line saying "HTTP/2.0". */
const isHttp2 = (message: IncomingMessage | ServerResponse) => 'stream' in message

/** Connections a refusal is closing: what llhttp parsed behind the refused request is never answered. */
const closing = new WeakSet<Socket>()

/**
 * A request pipelined behind one that was refused: llhttp parsed its head from the same packet
 * before the refusal's close, and node:http hands it over anyway, but its connection closes after
 * the refusal, so it must not start (an app reading its body would only see the close, as an
 * error). Only a request waiting behind another response is looked up.
 */
export function behindRefusal(req: IncomingMessage, res: ServerResponse): boolean {
  const socket = req.socket as Socket & { _httpMessage?: ServerResponse | null }
  return socket._httpMessage !== res && closing.has(socket)
}

/** Answer a rejected request and close its connection once the answer is out. */
export function reject(res: ServerResponse, { code, detail }: Rejection): void {
  const entry = codes[code] as { message: string; status: number }
  const body = `${entry.message.replace('%s', detail).replace('%d', detail)}\n`
  if (isHttp2(res)) {
    // The stream ends with its answer; the connection carries other requests and stays.
    res.writeHead(entry.status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) })
    res.end(body)
    silence(res)
    return
  }
  res.shouldKeepAlive = false
  closing.add(res.req.socket)
  res.writeHead(entry.status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' })
  res.end(body)
  // The unread body (if any) must not be parsed as the next request.
  res.once('finish', () => res.req.socket.destroySoon())
  // Refused while the app runs (its body broke a rule): whatever the app answers later goes nowhere.
  silence(res)
}

/**
 * Watch a streamed (chunked) body as it arrives: stop it past maxBodySize (0: no limit), and refuse
 * it at its end if it carried a trailer field that may not be one (trailers.ts). Node gives no hook
 * for either, so the one IncomingMessage's push is wrapped; a Content-Length body is checked before.
 * On a fault the body never ends: the app's read fails when the connection closes after the answer.
 */
export function watchBody(req: IncomingMessage, max: number, onFault: (rejection: Rejection) => void): void {
  let seen = 0
  const push = req.push
  req.push = function (chunk: unknown, encoding?: BufferEncoding) {
    if (chunk === null) {
      // node:http has added the trailers to the message just before it ends the body.
      const trailer = req.rawTrailers.length > 0 ? forbiddenTrailer(req.rawTrailers) : undefined
      if (trailer !== undefined) {
        req.push = push
        onFault({ code: 'CORRAL_ERR_BAD_REQUEST', detail: `${trailer} may not be a trailer field` })
        return false
      }
    } else if (max && (seen += (chunk as Buffer).length) > max) {
      req.push = push
      onFault({ code: 'CORRAL_ERR_BODY_TOO_LARGE', detail: String(max) })
      return false
    }
    return push.call(this, chunk, encoding)
  }
}

const STATUS_LINE: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 414: 'URI Too Long', 431: 'Request Header Fields Too Large', 501: 'Not Implemented', 505: 'HTTP Version Not Supported' }

/**
 * A request the parser could not take (Node's 'clientError'). A header overflow whose request line
 * has no end within the line limit is a 414; any other overflow is 431; timeouts are 408; the rest 400.
 */
export function onClientError(err: Error & { code?: string; rawPacket?: Buffer }, socket: Socket, l: Limits): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy()
    return
  }
  // llhttp stops at the first bad byte, which may follow good requests sent in the same packet
  // (pipelining): those are answered first and in order, so the refusal waits for their responses.
  // llhttp reports each later packet again; the first report is the one answered.
  if (refusing.has(socket)) return
  refusing.add(socket)
  afterResponses(socket, () => refuse(err, socket, l))
}

const refusing = new WeakSet<Socket>()

/** node:http's response being written on a socket; the next pipelined one takes its place as it finishes. */
const writing = (socket: Socket) => (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage

function afterResponses(socket: Socket, then: () => void): void {
  const res = writing(socket)
  // A request whose body the bad bytes were part of will never be whole: its answer is the refusal.
  if (res && !res.writableFinished && res.req.complete) res.once('finish', () => afterResponses(socket, then))
  else then()
}

function refuse(err: Error & { code?: string; rawPacket?: Buffer }, socket: Socket, l: Limits): void {
  // A response that said Connection: close has ended the connection already; one that has begun
  // for a request whose body broke cannot be turned into a refusal.
  const broken = writing(socket)
  if (!socket.writable || broken?.headersSent) {
    socket.destroy()
    return
  }
  let status = 400
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    const line = err.rawPacket?.subarray(0, (l.limitRequestLine || UNLIMITED_LINE) + 2)
    status = line && line.length > (l.limitRequestLine || UNLIMITED_LINE) && !line.includes('\r\n') ? 414 : 431
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'HPE_HEADER_TIMEOUT') {
    status = 408
  }
  const body = `${STATUS_LINE[status]}\n`
  if (broken) silence(broken)
  socket.end(`HTTP/1.1 ${status} ${STATUS_LINE[status]}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`)
  socket.destroySoon()
}
