/**
 * A request's Headers that cost nothing until more than a lookup is asked of them. A handler
 * usually reads a header or two (`c.req.header('authorization')` in Hono is `headers.get`), but a
 * real Headers copies and validates every header first: for four headers and one lookup, 22 µs on
 * Node 20 and 11 µs on Node 26 against 1.9 and 0.7 µs to find it in the message's rawHeaders
 * (bench/micro/request-headers.ts, wall time on a 2-core machine at load 27: read the ratios).
 * So `get` and `has` read rawHeaders, and the real Headers is built the first time anything else
 * (iteration, a change, getSetCookie) is asked; from then on every call goes to it.
 *
 * It passes `instanceof Headers` (its prototype chain includes Headers.prototype once Node's
 * classes load: web-classes.ts) and defines every method Headers has, so none of Headers'
 * brand-checked methods is reached with it.
 */
import { extendsNative, natives } from './web-classes.js'

/** An RFC 9110 token: what Headers accepts as a name (anything else throws, as the real one does). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

export class LazyHeaders {
  readonly #raw: string[]
  #real: Headers | undefined

  constructor(raw: string[]) {
    this.#raw = raw
  }

  /** The real Headers behind `headers` (built now if it is a LazyHeaders not yet built). */
  static real(headers: Headers): Headers {
    const h = headers as unknown as LazyHeaders
    return #raw in h ? h.#full() : headers
  }

  /** The real Headers, built once. */
  #full(): Headers {
    if (this.#real) return this.#real
    const headers = new (natives().Headers)()
    const raw = this.#raw
    for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!)
    return (this.#real = headers)
  }

  get(name: string): string | null {
    if (this.#real || typeof name !== 'string' || !TOKEN.test(name)) return this.#full().get(name)
    const lower = name.toLowerCase()
    const raw = this.#raw
    let value: string | null = null
    for (let i = 0; i < raw.length; i += 2) {
      const key = raw[i]!
      // Repeated headers are joined with ", " in arrival order, as Headers#get does.
      if (key.length === lower.length && key.toLowerCase() === lower) value = value === null ? raw[i + 1]! : `${value}, ${raw[i + 1]!}`
    }
    return value
  }

  has(name: string): boolean {
    if (this.#real || typeof name !== 'string' || !TOKEN.test(name)) return this.#full().has(name)
    return this.get(name) !== null
  }

  append(name: string, value: string): void { this.#full().append(name, value) }
  set(name: string, value: string): void { this.#full().set(name, value) }
  delete(name: string): void { this.#full().delete(name) }
  getSetCookie(): string[] { return this.#full().getSetCookie() }
  forEach(fn: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    this.#full().forEach((value, key) => fn.call(thisArg, value, key, this as unknown as Headers))
  }
  entries() { return this.#full().entries() }
  keys() { return this.#full().keys() }
  values() { return this.#full().values() }
  [Symbol.iterator]() { return this.#full()[Symbol.iterator]() }
  get [Symbol.toStringTag]() { return 'Headers' }
}

extendsNative(LazyHeaders, 'Headers')
