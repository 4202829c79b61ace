/**
 * A real HTTP server on a loopback port that counts what the upstream client does to it: TCP
 * connections opened, requests received, requests whose connection closed before an answer.
 * The handler can be swapped mid-test (healthy, failing, hanging).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export type Handler = (req: IncomingMessage, res: ServerResponse) => void

export interface TestUpstream {
  origin: string
  connections: number
  requests: number
  /** Requests whose connection closed before the server answered them. */
  abandoned: number
  handler: Handler
  /** Resolves when `abandoned` reaches n; rejects after ms. */
  waitAbandoned(n: number, ms?: number): Promise<void>
  close(): Promise<void>
}

export const ok = (body: unknown = { ok: true }): Handler => (_req, res) => {
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify(body))
}
export const status = (code: number): Handler => (_req, res) => { res.statusCode = code; res.end(`status ${code}`) }
export const hang: Handler = () => {}

export async function startUpstream(handler: Handler = ok()): Promise<TestUpstream> {
  const waiters: { n: number; resolve: () => void }[] = []
  const state = {
    origin: '', connections: 0, requests: 0, abandoned: 0, handler,
  } as TestUpstream
  const server = createServer((req, res) => {
    state.requests++
    res.on('close', () => {
      if (res.writableFinished) return
      state.abandoned++
      for (const w of waiters) if (state.abandoned >= w.n) w.resolve()
    })
    req.resume()
    state.handler(req, res)
  })
  server.keepAliveTimeout = 10_000
  server.on('connection', () => { state.connections++ })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  state.waitAbandoned = (n, ms = 2000) => new Promise<void>((resolve, reject) => {
    if (state.abandoned >= n) return resolve()
    const timer = setTimeout(() => reject(new Error(`upstream saw ${state.abandoned} abandoned requests, wanted ${n}, in ${ms}ms`)), ms)
    waiters.push({ n, resolve: () => { clearTimeout(timer); resolve() } })
  })
  state.close = () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  return state
}
