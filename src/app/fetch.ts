/**
 * The adapter for Web-standard fetch handlers: IncomingMessage → Request (lazy-request.ts),
 * Response → the socket (light-response.ts for the common case, streamed otherwise).
 */
import type { ServerResponse } from 'node:http'
import type { FetchHandler, RequestContext, Serve } from './types.js'
import { failRequest } from './fail.js'
import { lazyRequest } from './lazy-request.js'
import { isLight, isResponse, LightResponse, SLOW } from './light-response.js'
import { isNative } from './web-classes.js'

const CONTENT_LENGTH = 'content-length'
const CONTENT_TYPE = 'content-type'

/** `name` is `lower` in any case; compared by length first, since most header names are neither. */
const isHeader = (name: string, lower: string) => name.length === lower.length && (name === lower || name.toLowerCase() === lower)

/**
 * Write a LightResponse that never became a real one: no stream, one write with its Content-Length.
 * This runs for every request of a typical handler, so it avoids closures and per-header work: the
 * headers go to writeHead as a flat list, and only two names are ever compared.
 */
function writeFast(res: ServerResponse, body: string | Uint8Array | null | undefined, init: ResponseInit | undefined): void {
  const headers: string[] = []
  let hasType = false
  const h = init?.headers
  if (isNative('Headers', h)) {
    const all = h as Headers
    all.forEach((value, name) => { if (name !== 'set-cookie' && name !== CONTENT_LENGTH) headers.push(name, value) })
    for (const cookie of all.getSetCookie()) headers.push('set-cookie', cookie)
    hasType = all.has(CONTENT_TYPE)
  } else if (h) {
    const pairs = Array.isArray(h)
    const names = pairs ? h : Object.keys(h)
    for (let i = 0; i < names.length; i++) {
      const name = pairs ? (h[i] as [string, string])[0] : names[i] as string
      if (isHeader(name, CONTENT_LENGTH)) continue
      if (!hasType && isHeader(name, CONTENT_TYPE)) hasType = true
      headers.push(name, pairs ? (h[i] as [string, string])[1] : (h as Record<string, string>)[name])
    }
  }
  if (typeof body === 'string' && !hasType) headers.push(CONTENT_TYPE, 'text/plain;charset=UTF-8')
  const length = body == null ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength
  headers.push(CONTENT_LENGTH, String(length))
  res.writeHead(init?.status ?? 200, init?.statusText || undefined, headers)
  res.end(res.req.method === 'HEAD' ? undefined : body ?? undefined)
}

function headerList(response: Response): string[] {
  const headers: string[] = []
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers.push(name, value)
  })
  for (const cookie of response.headers.getSetCookie()) headers.push('set-cookie', cookie)
  return headers
}

function writeLight(res: ServerResponse, answer: LightResponse): void | Promise<void> {
  const body = LightResponse.fastBody(answer)
  if (body !== SLOW) return writeFast(res, body, LightResponse.initOf(answer))
  return writeStreamed(res, answer.raw)
}

export function writeResponse(res: ServerResponse, answer: Response): void | Promise<void> {
  return isLight(answer) ? writeLight(res, answer) : writeStreamed(res, answer)
}

async function writeStreamed(res: ServerResponse, response: Response): Promise<void> {
  const headers = headerList(response)
  const body = response.body
  if (body === null || res.req.method === 'HEAD') {
    res.writeHead(response.status, response.statusText || undefined, headers)
    res.end()
    return
  }
  const reader = body.getReader()
  try {
    // Most bodies are one chunk (a string or a buffer): send those with a Content-Length in a
    // single write, and stream (chunked) only what really arrives in pieces.
    let chunk = await reader.read()
    if (chunk.done) {
      res.writeHead(response.status, response.statusText || undefined, headers)
      res.end()
      return
    }
    const first = chunk.value
    chunk = await reader.read()
    if (chunk.done) {
      if (!response.headers.has('content-length')) headers.push('content-length', String(first.byteLength))
      res.writeHead(response.status, response.statusText || undefined, headers)
      res.end(first)
      return
    }
    res.writeHead(response.status, response.statusText || undefined, headers)
    res.write(first)
    // A stream can wait long between chunks (server-sent events): when its client leaves, or a
    // drain ends it (worker/streams.ts), cancel the body now, so the app's cancel() runs and its
    // timers stop, rather than at the next chunk.
    const stop = () => { void reader.cancel().catch(() => {}) }
    res.once('close', stop)
    for (; !chunk.done; chunk = await reader.read()) {
      if (res.writableEnded || res.destroyed) break
      // Respect backpressure: a slow client must not make us buffer the whole body.
      if (!res.write(chunk.value)) await new Promise<void>((resolve) => { res.once('drain', resolve); res.once('close', resolve) })
    }
    res.off('close', stop)
    if (res.writableEnded || res.destroyed) { await reader.cancel(); return }
    res.end()
  } catch (err) {
    res.destroy(err as Error)
  }
}

function send(res: ServerResponse, ctx: RequestContext, response: unknown): void | Promise<void> {
  if (isLight(response)) return writeLight(res, response)
  if (!isResponse(response)) {
    failRequest(res, ctx, new TypeError(`the fetch handler returned ${response === null ? 'null' : typeof response}, not a Response`))
    return
  }
  return writeResponse(res, response as Response)
}

/**
 * Write what an asynchronous handler resolved to. It runs as a reaction to the handler's promise and
 * catches what it throws itself, so the adapter hands the worker no promise to watch: a `.catch` there
 * would add a closure, a promise and a reaction to every request, kept alive as long as it is in flight
 * (bench/results/2026-12-08-stop65).
 */
function answer(res: ServerResponse, ctx: RequestContext, response: unknown): void {
  try {
    // A promise only for a body that streams; it rejects only if its headers cannot be read.
    const streaming = send(res, ctx, response)
    if (streaming !== undefined) streaming.catch((err: unknown) => failRequest(res, ctx, err))
  } catch (err) {
    failRequest(res, ctx, err)
  }
}

export function fetchAdapter(handler: FetchHandler): Serve {
  // A handler that answers synchronously is written synchronously: no promise, no microtask.
  return (req, res, ctx) => {
    let result: Response | Promise<Response>
    try {
      result = handler(lazyRequest(req, ctx), ctx)
    } catch (err) {
      failRequest(res, ctx, err)
      return
    }
    // The common answer first: a light Response, written at once (checked before Promise, whose
    // instanceof walks the whole prototype chain of a Response to say no).
    if (isLight(result)) return writeLight(res, result)
    if (result instanceof Promise) {
      result.then((response) => answer(res, ctx, response), (err) => failRequest(res, ctx, err))
      return
    }
    return send(res, ctx, result)
  }
}
