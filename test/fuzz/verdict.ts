/**
 * The fuzzer's oracle: whether the first request in some bytes is surely invalid by the rules the
 * conformance suite holds corral to (cases/*.json), written again here from RFC 9112 / RFC 9110
 * rather than taken from corral, so a bug in corral's checks cannot agree with itself. It answers
 * only when sure: where the RFCs allow either reading (a bare LF as a line end, several spaces
 * between request-line parts, a list of equal Content-Lengths) or the bytes end before the request
 * does, it says nothing.
 */

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/
const HOST = /^(?:[A-Za-z0-9.\-_~!$&'()*+,;=]*|\[[0-9A-Fa-f:.]+\])(?::[0-9]*)?$/
const NOT_TRAILERS = new Set(['content-length', 'transfer-encoding', 'host', 'authorization'])

interface Fields { lines: [string, string][]; problem?: string; unsure?: boolean }

/** Field lines (of a header section or trailers): surely-invalid problem, or unsure. */
function fields(lines: string[]): Fields {
  const out: [string, string][] = []
  for (const line of lines) {
    if (line.startsWith(' ') || line.startsWith('\t')) return { lines: out, problem: 'a field line that starts with whitespace (obs-fold)' }
    if (line.includes('\r')) return { lines: out, problem: 'a bare CR in a field line' }
    const colon = line.indexOf(':')
    if (colon < 0) return { lines: out, problem: 'a field line without a colon' }
    const name = line.slice(0, colon)
    if (!TOKEN.test(name)) return { lines: out, problem: `a field name that is not a token: ${JSON.stringify(name)}` }
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '')
    if (CONTROL.test(value)) return { lines: out, problem: `a control character in the value of ${name}` }
    out.push([name.toLowerCase(), value])
  }
  return { lines: out }
}

/** Why the first request in `bytes` (latin1) is invalid, or undefined when it is valid or the RFCs leave it open. */
export function invalidBecause(bytes: string): string | undefined {
  let at = 0
  while (bytes.startsWith('\r\n', at)) at += 2
  const end = bytes.indexOf('\r\n\r\n', at)
  if (end < 0) return undefined
  const head = bytes.slice(at, end)
  if (/(^|[^\r])\n/.test(head)) return undefined // a bare LF: a recipient MAY take it as a line end (RFC 9112 §2.2)
  const [line, ...rest] = head.split('\r\n')
  if (line.includes('\r')) return 'a bare CR in the request line'
  if (line.includes('\t')) return undefined // whitespace other than SP MAY separate request-line parts (RFC 9112 §3)
  if (CONTROL.test(line)) return 'a control character in the request line'
  const parts = line.split(' ')
  if (parts.includes('')) return undefined // several spaces MAY separate the parts
  if (parts.length !== 3) return `a request line of ${parts.length} parts`
  const [method, target, version] = parts
  if (!TOKEN.test(method)) return 'a method that is not a token'
  const v = /^HTTP\/(\d)\.(\d)$/.exec(version)
  if (!v) return `a malformed version ${JSON.stringify(version)}`
  if (v[1] !== '1') return `HTTP major version ${v[1]}`
  if (target.includes('#')) return 'a fragment in the target'
  if (target === '*' && method !== 'OPTIONS') return '* with a method other than OPTIONS'
  const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(target)
  if (absolute && absolute[1].includes('@')) return 'userinfo in the target'
  if (!target.startsWith('/') && !absolute && target !== '*' && method !== 'CONNECT') return `a target in no form: ${JSON.stringify(target.slice(0, 40))}`
  const f = fields(rest)
  if (f.problem) return f.problem
  const all = (name: string) => f.lines.filter(([n]) => n === name).map(([, value]) => value)
  const hosts = all('host')
  const http11 = v[2] === '1'
  if (http11 && hosts.length === 0) return 'HTTP/1.1 without Host'
  if (hosts.length > 1) return 'two Host fields'
  // With an absolute target the Host field is ignored (RFC 9112 §3.2.2), so its value cannot make the request invalid.
  if (hosts.length === 1 && !absolute && !hosts[0].includes('%') && !HOST.test(hosts[0])) return `an invalid Host ${JSON.stringify(hosts[0])}`
  const lengths = all('content-length')
  const codings = all('transfer-encoding')
  if (lengths.length > 0 && codings.length > 0) return 'both Content-Length and Transfer-Encoding'
  const values = lengths.flatMap((l) => l.split(',').map((x) => x.trim()))
  if (values.some((x) => !/^\d+$/.test(x))) return `a Content-Length that is not a number: ${JSON.stringify(lengths.join(', '))}`
  if (new Set(values.map((x) => BigInt(x))).size > 1) return 'Content-Length values that differ'
  if (codings.length > 0) {
    if (!http11) return 'Transfer-Encoding on HTTP/1.0'
    const list = codings.join(',').split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '')
    if (list.at(-1) !== 'chunked' || list.indexOf('chunked') !== list.length - 1) return `transfer codings ${list.join(', ')}`
    if (list.length > 1) return `a transfer coding corral does not decode: ${list[0]}`
    // An app may answer before it reads the body, and the echo app never reads a GET's or a HEAD's:
    // such a request is answered (rightly, for all its head said) before a bad chunk arrives, and the
    // connection is closed at the bad byte. Only a body the app reads first decides its answer.
    if (method === 'GET' || method === 'HEAD') return undefined
    return chunkedBody(bytes, end + 4)
  }
  const expects = all('expect')
  if (http11 && expects.length > 0 && expects.some((e) => e.toLowerCase() !== '100-continue')) return `an expectation other than 100-continue: ${JSON.stringify(expects.join(', '))}`
  return undefined
}

/** A chunked body from `at`: invalid chunk syntax or a trailer that may not be one. */
function chunkedBody(bytes: string, at: number): string | undefined {
  for (;;) {
    const eol = bytes.indexOf('\r\n', at)
    if (eol < 0) return undefined
    const sizeLine = bytes.slice(at, eol)
    const size = /^[0-9A-Fa-f]+/.exec(sizeLine)?.[0]
    if (!size) return `a chunk size line ${JSON.stringify(sizeLine.slice(0, 20))}`
    const ext = sizeLine.slice(size.length)
    if (ext !== '' && !ext.startsWith(';')) return ext.startsWith(' ') || ext.startsWith('\t') ? undefined : `a chunk size followed by ${JSON.stringify(ext.slice(0, 10))}`
    if (/[\r\n\0]/.test(ext)) return 'a control character in a chunk extension'
    const n = Number.parseInt(size, 16)
    if (n === 0) {
      const trailersEnd = bytes.indexOf('\r\n\r\n', eol)
      if (bytes.startsWith('\r\n', eol + 2)) return undefined
      if (trailersEnd < 0) return undefined
      const trailer = bytes.slice(eol + 2, trailersEnd)
      if (/(^|[^\r])\n/.test(trailer)) return undefined
      const t = fields(trailer.split('\r\n'))
      if (t.problem) return `trailer: ${t.problem}`
      const bad = t.lines.find(([name]) => NOT_TRAILERS.has(name))
      return bad ? `${bad[0]} as a trailer` : undefined
    }
    if (bytes.length < eol + 2 + n + 2) return undefined
    if (bytes.slice(eol + 2 + n, eol + 2 + n + 2) !== '\r\n') return 'chunk data longer or shorter than its size'
    at = eol + 2 + n + 2
  }
}
