/** node:http2's client for tests: a session, and requests on it that resolve with status, headers and body. */
import { connect, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2'
import { readFileSync } from 'node:fs'
import type { TestContext } from 'node:test'

export interface H2Answer { status: number; headers: IncomingHttpHeaders; body: string }

/** A session to `url` (https:// over TLS with ALPN h2, http:// as h2c by prior knowledge), closed when the test ends. */
export function h2Session(t: TestContext, url: string, ca?: string): ClientHttp2Session {
  const session = connect(url, ca ? { ca: readFileSync(ca) } : {})
  session.on('error', () => {})
  t.after(() => { if (!session.destroyed) session.destroy() })
  return session
}

export function h2Request(session: ClientHttp2Session, path: string, o: { method?: string; body?: string; headers?: OutgoingHttpHeaders } = {}): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, ':method': o.method ?? 'GET', ...o.headers }, { endStream: o.body === undefined })
    let headers: IncomingHttpHeaders = {}
    let body = ''
    stream.on('response', (h) => { headers = h })
    stream.setEncoding('utf8')
    stream.on('data', (d) => { body += d })
    stream.on('end', () => resolve({ status: Number(headers[':status']), headers, body }))
    stream.on('error', reject)
    if (o.body !== undefined) stream.end(o.body)
  })
}
