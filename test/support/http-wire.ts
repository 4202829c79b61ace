/**
 * HTTP/1.1 over a raw socket, for tests that must send bytes no client library would: a
 * conversation of steps (send these bytes, wait for this many responses, for this text, or for
 * the server to close), and the responses parsed as they come, interim 1xx ones included.
 */
import { connect, type Socket } from 'node:net'

export interface WireResponse {
  status: number
  headers: Record<string, string>
  body: string
}

export type Step =
  | { send: string }
  /** Wait until this many final responses (not 1xx) have arrived in all. */
  | { responses: number }
  /** Wait until this many interim (1xx) responses have arrived in all. */
  | { interim: number }
  /** Wait for the server to end or close the connection. */
  | { closed: true }

export interface Conversation {
  responses: WireResponse[]
  /** The server ended or closed the connection (before timeoutMs). */
  closed: boolean
  /** Bytes after the last whole response (a response cut short, or garbage). */
  rest: string
}

/** Parse as many whole responses as `text` holds; `head` says which of them answer HEAD (no body). */
export function parseResponses(text: string, isHead: (index: number) => boolean = () => false, ended = false): { responses: WireResponse[]; rest: string } {
  const responses: WireResponse[] = []
  let at = 0
  for (;;) {
    const end = text.indexOf('\r\n\r\n', at)
    if (end < 0) break
    const [line, ...lines] = text.slice(at, end).split('\r\n')
    const match = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(line)
    if (!match) break
    const status = Number(match[1])
    const headers: Record<string, string> = {}
    for (const l of lines) {
      const colon = l.indexOf(':')
      const name = l.slice(0, colon).toLowerCase()
      headers[name] = headers[name] === undefined ? l.slice(colon + 1).trim() : `${headers[name]}, ${l.slice(colon + 1).trim()}`
    }
    let bodyAt = end + 4
    let body = ''
    const final = status >= 200
    if (!final || status === 204 || status === 304 || isHead(responses.filter((r) => r.status >= 200).length)) {
      // no body
    } else if (headers['transfer-encoding']?.toLowerCase().endsWith('chunked')) {
      let p = bodyAt
      let whole = false
      for (;;) {
        const lineEnd = text.indexOf('\r\n', p)
        if (lineEnd < 0) break
        const size = parseInt(text.slice(p, lineEnd), 16)
        if (Number.isNaN(size)) break
        if (size === 0) {
          const trailerEnd = text.indexOf('\r\n\r\n', lineEnd)
          if (text.slice(lineEnd, lineEnd + 4) === '\r\n\r\n') { p = lineEnd + 4; whole = true }
          else if (trailerEnd >= 0) { p = trailerEnd + 4; whole = true }
          break
        }
        if (text.length < lineEnd + 2 + size + 2) break
        body += text.slice(lineEnd + 2, lineEnd + 2 + size)
        p = lineEnd + 2 + size + 2
      }
      if (!whole) break
      bodyAt = p
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length'])
      if (Buffer.byteLength(text.slice(bodyAt)) < length) break
      // The tests' bodies are ASCII: characters and bytes agree.
      body = text.slice(bodyAt, bodyAt + length)
      bodyAt += length
    } else {
      if (!ended) break
      body = text.slice(bodyAt)
      bodyAt = text.length
    }
    responses.push({ status, headers, body })
    at = bodyAt
  }
  return { responses, rest: text.slice(at) }
}

/**
 * Run the steps on one connection. Never throws for the server's behaviour: a step that times out
 * ends the conversation, and the caller asserts on what came back. `timeoutMs` bounds each step.
 */
export function converse(port: number, steps: Step[], opts: { timeoutMs?: number; head?: (index: number) => boolean } = {}): Promise<Conversation> {
  const timeoutMs = opts.timeoutMs ?? 10_000
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1')
    let text = ''
    let closed = false
    let wake: (() => void) | undefined
    const parsed = () => parseResponses(text, opts.head, closed)
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => { text += d; wake?.() })
    socket.on('connect', () => wake?.())
    socket.on('end', () => { closed = true; wake?.() })
    socket.on('close', () => { closed = true; wake?.() })
    socket.on('error', () => { closed = true; wake?.() })
    const until = (done: () => boolean) => new Promise<boolean>((ok) => {
      if (done()) return ok(true)
      const timer = setTimeout(() => { wake = undefined; ok(false) }, timeoutMs)
      wake = () => { if (done()) { clearTimeout(timer); wake = undefined; ok(true) } }
    })
    void (async () => {
      await until(() => socket.readyState === 'open' || closed)
      for (const step of steps) {
        if ('send' in step) {
          if (closed || socket.destroyed) break
          socket.write(Buffer.from(step.send, 'latin1'))
        } else if ('responses' in step) {
          if (!await until(() => parsed().responses.filter((r) => r.status >= 200).length >= step.responses || closed)) break
        } else if ('interim' in step) {
          if (!await until(() => parsed().responses.filter((r) => r.status < 200).length >= step.interim || closed)) break
        } else if (!await until(() => closed)) break
      }
      const { responses, rest } = parsed()
      socket.destroy()
      resolve({ responses, closed, rest })
    })()
  })
}
