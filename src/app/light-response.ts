/**
 * A Response that stays a pair of (body, init) until something needs more. Constructing an undici
 * Response and reading its body back through a stream costs more than a small handler; a handler
 * that returns `new Response('text', { headers })` or `Response.json(data)` is written straight
 * to the socket instead. Anything else the app does with the response (reads response.headers,
 * clones it, passes a stream body) builds the real Response, and the adapter then streams that.
 *
 * The worker installs it as globalThis.Response, so apps get it without importing anything; it
 * passes `instanceof Response`, and Response's statics are kept. Node's own classes load only when
 * needed (web-classes.ts, which watches the globals Headers, Request and Response until then).
 */
import { extendsNative, isNative, natives } from './web-classes.js'

/** Whether `value` is a Response, light or real, without loading Node's classes to say so (web-classes.ts). */
export const isResponse = (value: unknown): boolean => isNative('Response', value)

type Init = ResponseInit | undefined
type Fast = string | Uint8Array | null | undefined
/** What fastBody() returns for a response that has to be built and streamed. */
export const SLOW: unique symbol = Symbol('corral.slowResponse')

export class LightResponse {
  readonly #body: ConstructorParameters<typeof Response>[0] | null | undefined
  readonly #init: Init
  #real: Response | undefined

  constructor(body?: ConstructorParameters<typeof Response>[0] | null, init?: ResponseInit) {
    this.#body = body
    this.#init = init
  }

  /** The body, when the response can be written without building a real one; SLOW otherwise. */
  static fastBody(r: LightResponse): Fast | typeof SLOW {
    if (r.#real) return SLOW
    const b = r.#body
    return b == null || typeof b === 'string' || b instanceof Uint8Array ? b as Fast : SLOW
  }

  static initOf(r: LightResponse): Init { return r.#init }

  /** The body and init together, when the response can be written without building a real one. */
  static fast(r: LightResponse): { body: Fast; init: Init } | undefined {
    const body = LightResponse.fastBody(r)
    return body === SLOW ? undefined : { body, init: r.#init }
  }

  get raw(): Response { return (this.#real ??= new (natives().Response)(this.#body, this.#init)) }

  get status(): number { return this.#real?.status ?? this.#init?.status ?? 200 }
  get ok(): boolean { return this.status >= 200 && this.status < 300 }
  get statusText(): string { return this.#real?.statusText ?? this.#init?.statusText ?? '' }
  get headers(): Headers { return this.raw.headers }
  get body() { return this.raw.body }
  get bodyUsed() { return this.#real?.bodyUsed ?? false }
  get redirected() { return false }
  get type() { return this.raw.type }
  get url() { return this.raw.url }
  arrayBuffer() { return this.raw.arrayBuffer() }
  blob() { return this.raw.blob() }
  bytes() { return (this.raw as Response & { bytes(): Promise<Uint8Array> }).bytes() }
  formData() { return this.raw.formData() }
  json() { return this.raw.json() }
  text() { return this.raw.text() }
  clone() { return this.raw.clone() }
  get [Symbol.toStringTag]() { return 'Response' }

  /**
   * `x instanceof Response` in a worker, where Response is this class: true for a light one and
   * for a real one (from fetch(), Response.error(), a library that made its own), as outside a worker.
   */
  static [Symbol.hasInstance](value: unknown): boolean { return isNative('Response', value) }

  /** Whether `value` is a LightResponse (a brand check: instanceof says yes to real ones too). */
  static is(value: unknown): value is LightResponse { return typeof value === 'object' && value !== null && #init in value }

  // A Headers object costs more than the rest of a small JSON answer on Node 20: the init keeps
  // the app's own shape (none, a record, pairs) and gains the content type only when it lacks one.
  static json(data: unknown, init?: ResponseInit): LightResponse {
    const body = JSON.stringify(data)
    if (init === undefined) return new LightResponse(body, JSON_INIT)
    const h = init.headers
    if (h === undefined) return new LightResponse(body, { ...init, headers: JSON_HEADERS })
    if (isNative('Headers', h)) {
      if ((h as Headers).has('content-type')) return new LightResponse(body, init)
      const headers = new (natives().Headers)(h as Headers)
      headers.set('content-type', 'application/json')
      return new LightResponse(body, { ...init, headers })
    }
    if (Array.isArray(h)) {
      if (h.some((pair) => isContentType(pair[0]))) return new LightResponse(body, init)
      return new LightResponse(body, { ...init, headers: [...h, ['content-type', 'application/json']] })
    }
    for (const name in h) if (isContentType(name)) return new LightResponse(body, init)
    return new LightResponse(body, { ...init, headers: { ...h, 'content-type': 'application/json' } })
  }
  static error(): Response { return natives().Response.error() }
  static redirect(url: string | URL, status?: number): Response { return natives().Response.redirect(url, status as 301) }
}

extendsNative(LightResponse, 'Response')

const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json' })
const JSON_INIT: ResponseInit = Object.freeze({ headers: JSON_HEADERS })
const isContentType = (name: string) => name.length === 12 && name.toLowerCase() === 'content-type'

export function installLightResponse(): void {
  // Read as a property, not a value: reading the global would load Node's classes (web-classes.ts).
  if (Object.getOwnPropertyDescriptor(globalThis, 'Response')?.value !== LightResponse) globalThis.Response = LightResponse as unknown as typeof Response
}

export const isLight = (r: unknown): r is LightResponse => LightResponse.is(r)
