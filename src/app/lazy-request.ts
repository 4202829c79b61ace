/**
 * A Request that costs nothing until it is used. Building a real undici Request (and its Headers)
 * for each incoming message takes more CPU than a small handler: on Node 20 it halves hello-world
 * throughput (bench/micro/fetch-adapter.ts). Most handlers read only the method, the URL and a
 * header or two, so those are answered from the IncomingMessage, and the real Request is built
 * the first time anything else (the body, clone, signal…) is touched. Its headers are lazy too
 * (lazy-headers.ts): a lookup reads the message's rawHeaders.
 *
 * It passes `instanceof Request` (its prototype chain includes Request.prototype once Node's
 * classes load: web-classes.ts), and every property Request has is defined here, so none of
 * Request's own brand-checked getters is reached.
 */
import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { LazyHeaders } from './lazy-headers.js'
import type { RequestContext } from './types.js'
import { extendsNative, natives } from './web-classes.js'

const BODYLESS = new Set(['GET', 'HEAD'])

/** An HTTP/2 request has a body unless its headers ended the stream (it has no Transfer-Encoding to say so). */
const streamsBody = (req: IncomingMessage) => (req as IncomingMessage & { stream?: { endAfterHeaders?: boolean } }).stream?.endAfterHeaders === false

export class LazyRequest {
  readonly #req: IncomingMessage
  readonly #ctx: RequestContext
  #url: string | undefined
  #headers: Headers | undefined
  #real: Request | undefined

  constructor(req: IncomingMessage, ctx: RequestContext) {
    this.#req = req
    this.#ctx = ctx
  }

  get method(): string { return this.#req.method ?? 'GET' }
  get url(): string { return (this.#url ??= `${this.#ctx.protocol}://${this.#req.headers.host || 'localhost'}${this.#req.url}`) }
  get headers(): Headers { return this.#real?.headers ?? (this.#headers ??= new LazyHeaders(this.#req.rawHeaders) as unknown as Headers) }

  /** The real Request, built once; the streamed body is handed to it, so build it only when needed. */
  get raw(): Request {
    if (this.#real) return this.#real
    const req = this.#req
    const method = this.method
    const hasBody = !BODYLESS.has(method) && (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined || streamsBody(req))
    this.#real = new (natives().Request)(this.url, {
      method,
      headers: LazyHeaders.real(this.headers),
      signal: this.#ctx.signal,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
      // Node's fetch refuses a streamed body without duplex: 'half'.
      duplex: hasBody ? 'half' : undefined,
    } as RequestInit)
    return this.#real
  }

  get signal(): AbortSignal { return this.#ctx.signal }
  get body() { return this.raw.body }
  get bodyUsed() { return this.#real?.bodyUsed ?? false }
  get cache() { return this.raw.cache }
  get credentials() { return this.raw.credentials }
  get destination() { return this.raw.destination }
  get integrity() { return this.raw.integrity }
  get keepalive() { return this.raw.keepalive }
  get mode() { return this.raw.mode }
  get redirect() { return this.raw.redirect }
  get referrer() { return this.raw.referrer }
  get referrerPolicy() { return this.raw.referrerPolicy }
  get duplex() { return 'half' }
  arrayBuffer() { return this.raw.arrayBuffer() }
  blob() { return this.raw.blob() }
  bytes() { return (this.raw as Request & { bytes(): Promise<Uint8Array> }).bytes() }
  formData() { return this.raw.formData() }
  json() { return this.raw.json() }
  text() { return this.raw.text() }
  clone() { return this.raw.clone() }
  get [Symbol.toStringTag]() { return 'Request' }
}

extendsNative(LazyRequest, 'Request')

export function lazyRequest(req: IncomingMessage, ctx: RequestContext): Request {
  return new LazyRequest(req, ctx) as unknown as Request
}
