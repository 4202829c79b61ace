/**
 * An HTTP request on a connection of its own, with the moment its connection was established as
 * evidence: once `connected` resolves, the kernel has completed the handshake and the request is
 * the server's to answer ("reached the server"), whether or not the server has accepted it yet.
 */
import { request } from 'node:http'

export interface Answer { status: number; body: string; connection: string | undefined }

export interface ConnectedRequest {
  connected: Promise<void>
  /** The answer, or the error (ECONNRESET…) the client saw. */
  answer: Promise<Answer | Error>
}

export function connectedRequest(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): ConnectedRequest {
  let onConnect!: () => void
  const connected = new Promise<void>((resolve) => { onConnect = resolve })
  const answer = new Promise<Answer | Error>((resolve) => {
    const req = request(url, { method: init.method ?? 'GET', agent: false, headers: { ...init.headers, ...(init.body ? { 'content-length': Buffer.byteLength(init.body) } : {}) } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve({ status: res.statusCode!, body, connection: res.headers.connection }))
      res.on('error', resolve)
    })
    req.on('socket', (socket) => socket.once('connect', onConnect))
    req.on('error', resolve)
    req.end(init.body)
  })
  return { connected, answer }
}
