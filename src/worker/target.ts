/**
 * The request target (RFC 9112 §3.2) and the Host it is served for. llhttp hands over whatever
 * it could split off the request line; corral decides what each form means:
 * - origin form (`/path?query`) goes to the app as it is, unless it carries a fragment;
 * - absolute form (`http://host/path`) is served as its path, with its authority as the Host
 *   (§3.2.2: the server MUST accept it and MUST ignore the Host header), so an app sees the
 *   same request whichever form the client used; userinfo in it is refused (RFC 9110 §4.2.4);
 * - asterisk form (`*`) exists only for `OPTIONS *`, a question about the server, which no
 *   app route can answer (a Web Request's URL cannot even hold it): the worker answers it;
 * - authority form is CONNECT's alone, and node:http hands CONNECT to 'connect' (server.ts).
 * Everything else is a 400.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ErrorCode } from '../errors.js'

/** The same shape as limits.ts's Rejection (that module imports this one). */
export interface Rejection { code: ErrorCode; detail: string }

const bad = (detail: string): Rejection => ({ code: 'CORRAL_ERR_BAD_REQUEST', detail })

const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^#]*)$/

/**
 * Hosts seen, valid or not: most requests repeat one Host, so the check below (a URL parse, to
 * agree with the WHATWG URL every fetch handler builds from it) runs once per name. Bounded, so a
 * client that sends a new name each time costs a check per request and no memory.
 */
const hosts = new Map<string, boolean>()
// RFC 3986 reg-name without pct-encoded (no real host name needs it, and WHATWG URL decodes it
// into characters it then refuses), an IPv6 or IPvFuture literal, and a port of digits.
const HOST = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]*|\[[0-9A-Za-z:.]+\])(?::[0-9]*)?$/

/**
 * The last Host checked and its verdict: a client's requests carry the same Host, and comparing a
 * header's new string with it costs less than hashing it for the map (each request's header is a
 * new string, so the map hashes it every time: in the hello profile this function took as long as
 * the whole request check).
 */
let lastHost = ''
let lastOk = true

/** Whether `host` is a Host field value an http URL can carry (RFC 9110 §7.2; empty is allowed). */
export function validHost(host: string): boolean {
  if (host === lastHost) return lastOk
  let ok = hosts.get(host)
  if (ok === undefined) {
    ok = host === '' || (HOST.test(host) && URL.canParse(`http://${host}/`))
    if (hosts.size >= 1024) hosts.clear()
    hosts.set(host, ok)
  }
  lastHost = host
  lastOk = ok
  return ok
}

/** Put the target's authority in place of the Host header, in the raw list both adapters read from. */
function setHost(req: IncomingMessage, host: string): void {
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 4 && raw[i].toLowerCase() === 'host') raw[i + 1] = host
  }
  // node:http builds req.headers from rawHeaders when first read; if something read it already, keep it in step.
  req.headers.host = host
}

export type Target = 'origin' | 'asterisk' | Rejection

/**
 * Check the target and bring an absolute form to origin form. Origin form costs one character
 * test and one search, for the fragment.
 */
export function normalizeTarget(req: IncomingMessage): Target {
  const url = req.url!
  if (url.charCodeAt(0) === 47 /* / */) return url.includes('#') ? bad('a fragment (#) in the request target') : 'origin'
  if (url === '*') return req.method === 'OPTIONS' ? 'asterisk' : bad(`the asterisk form with ${req.method}; only OPTIONS * is allowed`)
  const absolute = ABSOLUTE.exec(url)
  if (!absolute) return bad('a request target that is neither a path nor an absolute URL')
  const [, scheme, authority, rest] = absolute
  const lower = scheme.toLowerCase()
  if (lower !== 'http' && lower !== 'https') return bad(`the scheme ${scheme} in the request target`)
  if (authority.includes('@')) return bad('userinfo in the request target')
  if (authority === '' || authority.charCodeAt(0) === 58 /* : */ || !validHost(authority)) return bad('an invalid host in the request target')
  req.url = rest === '' || rest.charCodeAt(0) === 63 /* ? */ ? `/${rest}` : rest
  setHost(req, authority)
  return 'origin'
}

/**
 * `OPTIONS *`: what the server as a whole offers. Nothing beyond the methods themselves is
 * promised, so the answer is an empty 204 (RFC 9110 §9.3.7); the connection stays open.
 */
export function answerServerOptions(res: ServerResponse): void {
  res.writeHead(204)
  res.end()
}
