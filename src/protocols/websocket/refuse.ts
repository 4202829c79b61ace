/**
 * An HTTP/1.1 answer written straight to an upgrade request's socket. After node:http emits
 * 'upgrade' there is no ServerResponse: the socket is the app's (or corral's) alone, and a refusal
 * (a full worker, a failed check, an app that answered with a Response instead of accepting)
 * is written by hand and the connection closed after it.
 */
import { http } from '../../builtins.js'
import type { Duplex } from 'node:stream'

/** Headers that describe the connection or the framing: corral writes its own. */
const HOP = new Set(['connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade'])

export function refuse(socket: Duplex, status: number, body: string | Uint8Array, headers: [string, string][] = []): void {
  if (!socket.writable) {
    socket.destroy()
    return
  }
  const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  let head = `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Unknown'}\r\n`
  let typed = false
  for (const [name, value] of headers) {
    const lower = name.toLowerCase()
    if (HOP.has(lower) || /[\r\n]/.test(name + value)) continue
    if (lower === 'content-type') typed = true
    head += `${name}: ${value}\r\n`
  }
  if (!typed && bytes.length > 0) head += 'Content-Type: text/plain; charset=utf-8\r\n'
  head += `Content-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), bytes]))
  // An unread request body must not keep the connection open after the answer.
  socket.once('finish', () => socket.destroy())
}

/** A fetch Response written by refuse(). */
export async function refuseWith(socket: Duplex, response: Response): Promise<void> {
  const headers: [string, string][] = []
  response.headers.forEach((value, name) => { if (name !== 'set-cookie') headers.push([name, value]) })
  for (const cookie of response.headers.getSetCookie()) headers.push(['set-cookie', cookie])
  const body = new Uint8Array(await response.arrayBuffer())
  refuse(socket, response.status, body, headers)
}
