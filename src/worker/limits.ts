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
  const raw = req.rawHeaders
  if (l.limitRequestFields && raw.length / 2 > l.limitRequestFields) {
    return { code: 'CORRAL_ERR_HEADERS_TOO_LARGE', detail: `more than ${l.limitRequestFields} header fields` }
  }
  let hosts = 0
  let length: string | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]
    if (l.limitRequestFieldSize && name.length + raw[i + 1].length + 2 > l.limitRequestFieldSize) {
      return { code: 'CORRAL_ERR_HEADERS_TOO_LARGE', detail: `header field ${name} is larger than ${l.limitRequestFieldSize} bytes` }
    }
    if (INTERESTING_LENGTH[name.length] !== 1) continue
    const lower = name.toLowerCase()
    if (lower === 'host') hosts++
    else if (lower === 'transfer-encoding') scan.chunked = true
    else if (lower === 'content-length') length = raw[i + 1]
    else if (FORWARDED_NAMES.has(lower)) scan.forwarded = true
  }
  if (hosts > 1) return { code: 'CORRAL_ERR_BAD_REQUEST', detail: 'more than one Host header' }
  if (req.httpVersionMajor !== 1 || (req.httpVersionMinor !== 0 && req.httpVersionMinor !== 1)) {
    if (!isHttp2(req)) return { code: 'CORRAL_ERR_BAD_REQUEST', detail: `unsupported protocol HTTP/${req.httpVersion}` }
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

/** A request that came over HTTP/2 (node:http2's compatibility API), not an HTTP/1.1 request line saying "HTTP/2.0". */
const isHttp2 = (message: IncomingMessage | ServerResponse) => 'stream' in message

/** Answer a rejected request and close its connection once the answer is out. */
export function reject(res: ServerResponse, { code, detail }: Rejection): void {
  const entry = codes[code] as { message: string; status: number }
  const body = `${entry.message.replace('%s', detail).replace('%d', detail)}\n`
  if (isHttp2(res)) {
    // The stream ends with its answer; the connection carries other requests and stays.
    res.writeHead(entry.status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) })
    res.end(body)
    return
  }
  res.shouldKeepAlive = false
  res.writeHead(entry.status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' })
  res.end(body)
  // The unread body (if any) must not be parsed as the next request.
  res.once('finish', () => res.req.socket.destroySoon())
}

/**
 * Count a streamed (chunked) body as it arrives and stop it past maxBodySize. Node gives no hook
 * for this, so the one IncomingMessage's push is wrapped; a Content-Length body is checked before.
 */
export function limitBody(req: IncomingMessage, max: number, onOverflow: () => void): void {
  let seen = 0
  const push = req.push
  req.push = function (chunk: unknown, encoding?: BufferEncoding) {
    if (chunk !== null && (seen += (chunk as Buffer).length) > max) {
      req.push = push
      onOverflow()
      return false
    }
    return push.call(this, chunk, encoding)
  }
}

const STATUS_LINE: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 414: 'URI Too Long', 431: 'Request Header Fields Too Large' }

/**
 * A request the parser could not take (Node's 'clientError'). A header overflow whose request line
 * has no end within the line limit is a 414; any other overflow is 431; timeouts are 408; the rest 400.
 */
export function onClientError(err: Error & { code?: string; rawPacket?: Buffer }, socket: Socket, l: Limits): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
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
  socket.end(`HTTP/1.1 ${status} ${STATUS_LINE[status]}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`)
  socket.destroySoon()
}
