/**
 * What the fault tests need around the shop: a bounded mixed load that records every answer with
 * its time, and an upstream the test can make fail or stall.
 *
 * The load: `concurrency` loops alternate a product page (cache, database, three upstream calls
 * with fallbacks) and an order (a transaction: the order and its confirmation job), each with a
 * fresh Idempotency-Key, until stop(), `maxMs` or `maxRequests`. Loopback only.
 */
import { createServer, type Server } from 'node:http'
import { once } from 'node:events'
import { Agent, request } from 'undici'

export interface Answer {
  kind: 'page' | 'order'
  /** When it was sent and answered (ms since the load began). */
  sentAt: number
  at: number
  status: number
  retryAfter?: string
  degraded?: string[]
  /** The order's id, on a 201. */
  orderId?: number
  error?: string
}

export interface LoadOptions { concurrency?: number; maxMs?: number; maxRequests?: number; clientTimeoutMs?: number; product?: number }

export function shopLoad(url: string, { concurrency = 6, maxMs = 60_000, maxRequests = 50_000, clientTimeoutMs = 15_000, product = 1 }: LoadOptions = {}) {
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 2000 })
  const answers: Answer[] = []
  const began = Date.now()
  let stopped = false
  let sent = 0
  const one = async (kind: Answer['kind'], n: number): Promise<Answer> => {
    const sentAt = Date.now() - began
    try {
      const res = kind === 'page'
        ? await request(`${url}/api/products/${1 + (n % 50)}`, { dispatcher: agent, headersTimeout: clientTimeoutMs, bodyTimeout: clientTimeoutMs })
        : await request(`${url}/api/orders`, {
          method: 'POST', dispatcher: agent, headersTimeout: clientTimeoutMs, bodyTimeout: clientTimeoutMs,
          headers: { 'content-type': 'application/json', 'idempotency-key': `fault-${process.pid}-${began}-${n}` },
          body: JSON.stringify({ productId: product, quantity: 1 }),
        })
      const text = await res.body.text()
      const body = text.startsWith('{') ? JSON.parse(text) : undefined
      const retryAfter = res.headers['retry-after'] as string | undefined
      return { kind, sentAt, at: Date.now() - began, status: res.statusCode, retryAfter, degraded: body?.degraded, orderId: body?.order?.id }
    } catch (err) {
      return { kind, sentAt, at: Date.now() - began, status: 0, error: (err as { code?: string }).code ?? (err as Error).message }
    }
  }
  const loop = async (k: number) => {
    for (let i = 0; !stopped && sent < maxRequests && Date.now() - began < maxMs; i++) {
      const n = sent++
      answers.push(await one((i + k) % 2 === 0 ? 'page' : 'order', n))
    }
  }
  const loops = Promise.all(Array.from({ length: concurrency }, (_, k) => loop(k)))
  return {
    answers,
    /** ms since the load began. */
    now: () => Date.now() - began,
    async stop(): Promise<Answer[]> {
      stopped = true
      await loops
      await agent.close()
      return answers
    },
  }
}

/** A good answer: a product page with nothing degraded, or an order bought. */
export const good = (a: Answer) => (a.kind === 'page' && a.status === 200 && (a.degraded?.length ?? 0) === 0) || (a.kind === 'order' && a.status === 201)

/** Every answer is its fallback or a 503 with Retry-After: never a 500 (or other 5xx), never a socket error or client timeout. */
export function unacceptable(answers: Answer[]): Answer[] {
  return answers.filter((a) => {
    if (a.status === 200 || a.status === 201) return false
    if (a.status === 503 && a.retryAfter !== undefined) return false
    return true
  })
}

/** ms from `from` to the first good answer sent after it, of `kind` if given (undefined: none yet). */
export function recoveredAfter(answers: Answer[], from: number, kind?: Answer['kind']): number | undefined {
  const first = answers.filter((a) => a.sentAt >= from && good(a) && (!kind || a.kind === kind)).sort((x, y) => x.at - y.at)[0]
  return first && first.at - from
}

/** Waits (bounded) until `pred` holds for an answer that arrived after `from`. */
export async function waitForAnswer(answers: Answer[], from: number, pred: (a: Answer) => boolean, timeoutMs = 30_000): Promise<Answer> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = answers.find((a) => a.sentAt >= from && pred(a))
    if (found) return found
    if (Date.now() > deadline) throw new Error(`no such answer within ${timeoutMs}ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export type UpstreamMode = 'ok' | 'fail' | 'stall'

/**
 * The shop's six services in one server, answering like the simulator (fast) in 'ok', 503 at once
 * in 'fail', and after `stallMs` in 'stall' (the shop must have given up long before).
 */
export async function testUpstream(stallMs = 10_000): Promise<{ url: string; mode: UpstreamMode; close(): Promise<void> }> {
  const state = { mode: 'ok' as UpstreamMode }
  const answer = (path: string): unknown => {
    if (path.startsWith('/price/')) return { price: 9.99 }
    if (path.startsWith('/recommend/')) return { products: [1, 2, 3] }
    if (path.startsWith('/favorites/')) return { favorite: false }
    if (path.startsWith('/users/')) return { id: 1, name: 'test' }
    if (path.startsWith('/orders')) return { orders: [] }
    return { products: [] }
  }
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown) => { if (!res.destroyed) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)) }
    if (state.mode === 'fail') return send(503, { error: 'failing (test)' })
    if (state.mode === 'stall') {
      const timer = setTimeout(() => send(200, answer(req.url ?? '/')), stallMs)
      res.on('close', () => clearTimeout(timer))
      return
    }
    send(200, answer(req.url ?? '/'))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    get mode() { return state.mode },
    set mode(m: UpstreamMode) { state.mode = m },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}
