/**
 * The access log: Gunicorn's format atoms, or one JSON object per request. The format is compiled
 * once into a list of small functions, so each line costs a few property reads and one join.
 *
 * Atoms (Gunicorn's list): h remote address · l "-" · u user (basic auth) · t date · r request line ·
 * m method · U path · q query · H protocol · s status · B body bytes · b body bytes or "-" ·
 * f referer · a user agent · T seconds · M milliseconds · D microseconds · L decimal seconds ·
 * p pid · {name}i request header · {name}o response header · {name}e environment variable;
 * and corral's own: S scheme (http or https, as ctx.protocol).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { SonicBoom } from 'sonic-boom'
import { destination } from '../logging/destination.js'

export interface AccessEntry {
  req: IncomingMessage
  res: ServerResponse
  clientIp: string
  requestId: string
  startedAt: number // Date.now() at arrival
  durationMs: number
  bodyBytes: number
  /** http or https, as ctx.protocol says (X-Forwarded-Proto from a trusted proxy). */
  scheme: string
}

type Atom = (e: AccessEntry) => string

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const pad = (n: number) => (n < 10 ? '0' + n : String(n))

let lastSecond = -1
let lastStamp = ''
/** [25/Nov/2026:17:04:15 +0000], computed once a second. */
function clfDate(ms: number): string {
  const second = Math.floor(ms / 1000)
  if (second !== lastSecond) {
    const d = new Date(ms)
    const off = -d.getTimezoneOffset()
    const sign = off >= 0 ? '+' : '-'
    lastSecond = second
    lastStamp = `[${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${sign}${pad(Math.floor(Math.abs(off) / 60))}${pad(Math.abs(off) % 60)}]`
  }
  return lastStamp
}

const header = (v: string | string[] | number | undefined) => (v === undefined ? '-' : String(v))

/**
 * A response header as sent. Headers handed to writeHead as a list (the fast path does that) are
 * not kept where getHeader looks; the header block Node wrote (`_header`, stable since Node 0.x)
 * has them all. Only formats with a %({name}o)s atom pay for this.
 */
function sentHeader(res: ServerResponse, name: string): string {
  const v = res.getHeader(name)
  if (v !== undefined) return String(v)
  const block = (res as unknown as { _header?: string })._header
  if (!block) return '-'
  const m = new RegExp(`\\r\\n${name.replace(/[^a-z0-9-]/g, '')}:[ \\t]*([^\\r]*)`, 'i').exec(block)
  return m ? m[1] : '-'
}
const path = (url = '') => { const q = url.indexOf('?'); return q < 0 ? url : url.slice(0, q) }
const query = (url = '') => { const q = url.indexOf('?'); return q < 0 ? '' : url.slice(q + 1) }

function user(e: AccessEntry): string {
  const auth = e.req.headers.authorization
  if (!auth?.startsWith('Basic ')) return '-'
  const decoded = Buffer.from(auth.slice(6), 'base64').toString()
  const colon = decoded.indexOf(':')
  return colon > 0 ? decoded.slice(0, colon) : '-'
}

const atoms: Record<string, Atom> = {
  h: (e) => e.clientIp || '-',
  l: () => '-',
  u: user,
  t: (e) => clfDate(e.startedAt),
  r: (e) => `${e.req.method} ${e.req.url} HTTP/${e.req.httpVersion}`,
  m: (e) => e.req.method ?? '-',
  U: (e) => path(e.req.url),
  q: (e) => query(e.req.url),
  H: (e) => `HTTP/${e.req.httpVersion}`,
  s: (e) => String(e.res.statusCode),
  B: (e) => String(e.bodyBytes),
  b: (e) => (e.bodyBytes ? String(e.bodyBytes) : '-'),
  f: (e) => header(e.req.headers.referer),
  a: (e) => header(e.req.headers['user-agent']),
  T: (e) => String(Math.floor(e.durationMs / 1000)),
  M: (e) => String(Math.floor(e.durationMs)),
  D: (e) => String(Math.round(e.durationMs * 1000)),
  L: (e) => (e.durationMs / 1000).toFixed(6),
  p: () => `<${process.pid}>`,
  S: (e) => e.scheme,
}

/** Compile a Gunicorn format string; unknown atoms stay as written, as Gunicorn leaves them. */
export function compileFormat(format: string): (e: AccessEntry) => string {
  const parts: (string | Atom)[] = []
  const re = /%\((\{([^}]*)\}([ioe])|[a-zA-Z])\)s/g
  let last = 0
  for (let m = re.exec(format); m; m = re.exec(format)) {
    if (m.index > last) parts.push(format.slice(last, m.index))
    if (m[2] !== undefined) {
      const name = m[2].toLowerCase()
      parts.push(m[3] === 'i' ? (e) => header(e.req.headers[name])
        : m[3] === 'o' ? (e) => sentHeader(e.res, name)
        : () => process.env[m[2]] ?? '-')
    } else {
      parts.push(atoms[m[1]] ?? m[0])
    }
    last = re.lastIndex
  }
  if (last < format.length) parts.push(format.slice(last))
  return (e) => {
    let line = ''
    for (const p of parts) line += typeof p === 'string' ? p : p(e)
    return line
  }
}

export function jsonFormat(workerId: number): (e: AccessEntry) => string {
  return (e) => JSON.stringify({
    time: new Date(e.startedAt).toISOString(),
    remote: e.clientIp,
    method: e.req.method,
    url: e.req.url,
    protocol: `HTTP/${e.req.httpVersion}`,
    scheme: e.scheme,
    status: e.res.statusCode,
    bytes: e.bodyBytes,
    referer: e.req.headers.referer,
    userAgent: e.req.headers['user-agent'],
    durationMs: e.durationMs,
    requestId: e.requestId,
    worker: workerId,
  })
}

export interface AccessLog {
  write(e: AccessEntry): void
}

export function createAccessLog(target: string | null, format: string, workerId: number): AccessLog | undefined {
  if (target === null) return undefined
  const dest: SonicBoom = destination(target, 1)
  const render = format === 'json' ? jsonFormat(workerId) : compileFormat(format)
  return { write: (e) => { dest.write(render(e) + '\n') } }
}

/** Count body bytes as they are written (for %(B)s), without changing what is written. */
export function countBody(res: ServerResponse, onCount: (n: number) => void): void {
  const { write, end } = res
  let n = 0
  const add = (chunk: unknown, encoding?: unknown) => {
    if (chunk == null || typeof chunk === 'function') return
    n += typeof chunk === 'string' ? Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : (chunk as Uint8Array).byteLength
  }
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    add(chunk, rest[0])
    return (write as Function).call(this, chunk, ...rest)
  } as ServerResponse['write']
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    add(chunk, rest[0])
    onCount(n)
    return (end as Function).call(this, chunk, ...rest)
  } as ServerResponse['end']
}
