/**
 * The dashboard's paths on the admin port (wire.ts has the contract): the page at /, its assets,
 * the state document, and the actions when --dashboard-actions allows them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { collectWorkerMetrics, status, type MoreRoutes } from '../arbiter/admin.js'
import type { Arbiter } from '../arbiter/arbiter.js'
import { asset, pageBuilt } from './assets.js'
import { Monitor } from './monitor.js'
import { pageHtml } from './page-html.js'

export interface DashboardOptions {
  /** corral's version, for the page's footer. */
  version: string
  metrics: boolean
  actions: boolean
  /** Roll every worker onto a new generation, as SIGHUP does; false when the roll stopped. */
  reload: () => Promise<boolean>
}

const MAX_BODY = 1024
const MAX_WORKERS = 1024

function send(res: ServerResponse, status: number, body: string | Buffer, type: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...headers })
  res.end(body)
}
const json = (res: ServerResponse, status: number, body: unknown) => send(res, status, JSON.stringify(body), 'application/json')

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      body += chunk
      if (body.length > MAX_BODY) reject(new Error(`the body is over ${MAX_BODY} bytes`))
    })
    req.on('end', () => resolve(body))
    req.on('error', reject)
  })
}

/**
 * Why an action request is refused, or undefined when it may go on. A cross-site page can POST a
 * form to 127.0.0.1:9000 from a visitor's browser; it cannot send application/json without a
 * CORS preflight (which we never answer), and a browser always says where a POST came from.
 */
function refusal(req: IncomingMessage): { status: number; error: string } | undefined {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return { status: 415, error: 'send the action as content-type: application/json' }
  const origin = req.headers.origin
  if (origin !== undefined) {
    let host: string | undefined
    try { host = new URL(origin).host } catch { /* "null", or not a URL */ }
    if (host !== req.headers.host) return { status: 403, error: `actions are taken only from the dashboard's own page (origin ${origin} is not ${req.headers.host})` }
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') return { status: 403, error: 'actions are taken only from the dashboard\'s own page' }
  return undefined
}

export function createDashboard(a: Arbiter, o: DashboardOptions): { routes: MoreRoutes; monitor: Monitor; close(): void } {
  const monitor = new Monitor({
    status: () => status(a),
    collect: async (timeoutMs) => (await collectWorkerMetrics(a, timeoutMs)).map((r) => ({ id: r.worker.id, metrics: r.metrics })),
    events: a,
  }, { metrics: o.metrics, actions: o.actions })

  const actions: Record<string, (body: Record<string, unknown>) => Promise<{ status: number; body: unknown }>> = {
    reload: async () => {
      a.log.info('Reload asked for from the dashboard')
      const ok = await o.reload()
      return ok ? { status: 200, body: { ok: true, generation: a.generation } } : { status: 409, body: { ok: false, error: 'the reload stopped; the old workers keep serving (see the log)' } }
    },
    scale: async (body) => {
      const to = body.to
      if (typeof to !== 'number' || !Number.isInteger(to) || to < 1 || to > MAX_WORKERS) {
        return { status: 400, body: { ok: false, error: `scale needs {"to": N}, N a whole number from 1 to ${MAX_WORKERS}; received ${JSON.stringify(to) ?? 'nothing'}` } }
      }
      a.log.info({ to }, `Scaling to ${to} workers, asked for from the dashboard`)
      a.scale(to)
      return { status: 200, body: { ok: true, target: a.target } }
    },
  }

  async function act(name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!o.actions) return json(res, 403, { ok: false, error: 'dashboard actions are off; start corral with --dashboard-actions to allow reload and scale from here' })
    const refused = refusal(req)
    if (refused) return json(res, refused.status, { ok: false, error: refused.error })
    if (a.state !== 'running') return json(res, 409, { ok: false, error: `the server is ${a.state}` })
    let body: Record<string, unknown>
    try {
      const text = await readBody(req)
      const parsed: unknown = text.trim() === '' ? {} : JSON.parse(text)
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('expected a JSON object')
      body = parsed as Record<string, unknown>
    } catch (err) {
      return json(res, 400, { ok: false, error: `the body is not a JSON object: ${(err as Error).message}` })
    }
    const { status, body: reply } = await actions[name](body)
    json(res, status, reply)
  }

  const routes: MoreRoutes = async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin')
    const path = url.pathname
    const method = req.method ?? 'GET'
    const reading = method === 'GET' || method === 'HEAD'
    if (path === '/' || path === '/dashboard' || path === '/dashboard/') {
      if (!reading) { send(res, 405, 'use GET\n', 'text/plain; charset=utf-8', { allow: 'GET, HEAD' }); return true }
      if (!pageBuilt()) { send(res, 503, 'the dashboard page is not built: run `npm run build`\n', 'text/plain; charset=utf-8'); return true }
      send(res, 200, pageHtml(o.version), 'text/html; charset=utf-8')
      return true
    }
    if (path === '/dashboard/state') {
      if (!reading) { send(res, 405, 'use GET\n', 'text/plain; charset=utf-8', { allow: 'GET, HEAD' }); return true }
      const since = Number(url.searchParams.get('since') ?? 0)
      json(res, 200, await monitor.state(Number.isFinite(since) ? since : 0))
      return true
    }
    if (path.startsWith('/dashboard/assets/')) {
      const found = asset(path.slice('/dashboard/assets/'.length))
      if (!found) return false
      send(res, 200, found.body, found.type, { 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' })
      return true
    }
    const action = /^\/dashboard\/actions\/([a-z]+)$/.exec(path)?.[1]
    if (action && action in actions) {
      if (method !== 'POST') { send(res, 405, 'use POST\n', 'text/plain; charset=utf-8', { allow: 'POST' }); return true }
      await act(action, req, res)
      return true
    }
    return false
  }

  return { routes, monitor, close: () => monitor.close() }
}
