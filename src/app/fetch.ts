/**
 * The adapter for Web-standard fetch handlers: IncomingMessage → Request (lazy-request.ts),
 * Response → the socket (light-response.ts for the common case, streamed otherwise).
 */
import type { ServerResponse } from 'node:http'
import type { FetchHandler, RequestContext, Serve } from './types.js'
import { failRequest } from './fail.js'
import { lazyRequest } from './lazy-request.js'
import { isLight, LightResponse, NativeResponse } from './light-response.js'

/** Write a LightResponse that never became a real one: no stream, one write with its Content-Length. */
function writeFast(res: ServerResponse, body: string | Uint8Array | null | undefined, init: ResponseInit | undefined): void {
  const headers: string[] = []
  let hasType = false
  const add = (name: string, value: string) => {
    // Only names of these two lengths can be the two headers that matter here; skip the lowercasing otherwise.
    if (name.length === 14 && name.toLowerCase() === 'content-length') return
    if (name.length === 12 && name.toLowerCase() === 'content-type') hasType = true
    headers.push(name, value)
  }
  const h = init?.headers
  if (h instanceof Headers) {
    h.forEach((value, name) => { if (name !== 'set-cookie') add(name, value) })
    for (const cookie of h.getSetCookie()) add('set-cookie', cookie)
  } else if (Array.isArray(h)) for (const [name, value] of h) add(name, value)
  else if (h) for (const name in h) add(name, (h as Record<string, string>)[name])
  if (typeof body === 'string' && !hasType) headers.push('content-type', 'text/plain;charset=UTF-8')
  const length = body == null ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength
  headers.push('content-length', String(length))
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

export function writeResponse(res: ServerResponse, answer: Response): void | Promise<void> {
  if (isLight(answer)) {
    const fast = LightResponse.fast(answer)
    if (fast) return writeFast(res, fast.body, fast.init)
    return writeStreamed(res, answer.raw)
  }
  return writeStreamed(res, answer)
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
    for (; !chunk.done; chunk = await reader.read()) {
      // Respect backpressure: a slow client must not make us buffer the whole body.
      if (!res.write(chunk.value)) await new Promise<void>((resolve) => { res.once('drain', resolve); res.once('close', resolve) })
      if (res.destroyed) { await reader.cancel(); return }
    }
    res.end()
  } catch (err) {
    res.destroy(err as Error)
  }
}

function send(res: ServerResponse, ctx: RequestContext, response: unknown): void | Promise<void> {
  if (!(response instanceof NativeResponse)) {
    failRequest(res, ctx, new TypeError(`the fetch handler returned ${response === null ? 'null' : typeof response}, not a Response`))
    return
  }
  return writeResponse(res, response)
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
    if (result instanceof Promise) return result.then((response) => send(res, ctx, response), (err) => failRequest(res, ctx, err))
    return send(res, ctx, result)
  }
}
