/**
 * The master's admin endpoints, on --admin-bind (never the public port):
 *   /healthz  200 while the master runs
 *   /readyz   200 when at least --min-ready workers are ready and not draining; 503 from the moment
 *             a stop begins (before draining), so a load balancer stops sending first
 *   /metrics  Prometheus text, aggregated across workers
 *   /status   JSON: generation, target, and each worker's pid, age, requests, in flight, heartbeat age, memory
 * Any other path goes to the `more` handler when one is given (the dashboard, src/admin/).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { http } from '../builtins.js'
import { describeBind, type BindAddress } from '../config/parse.js'
import { corralError } from '../errors.js'
import { request } from '../ipc/channel.js'
import type { WorkerMessage } from '../ipc/messages.js'
import type { Logger } from '../logging/logger.js'
import type { Arbiter } from './arbiter.js'
import { arbiterMetrics } from './metrics.js'
import type { WorkerRecord } from './worker-record.js'

const SCRAPE_TIMEOUT_MS = 2000

export function status(a: Arbiter) {
  const now = Date.now()
  const intake = a.intake && { waiting: a.intake.waiting(), bursts: a.intake.bursts() ?? null, copies: a.intake.copies() ?? null, pastHold: a.intake.pastHold() }
  return { pid: process.pid, state: a.state, generation: a.generation, target: a.target, ...(intake ? { intake } : {}), workers: a.workers().map((w) => w.view(now)) }
}

/** Each booted worker's registry (prom-client's getMetricsAsJSON); a worker that does not answer in time is left out. */
export async function collectWorkerMetrics(a: Arbiter, timeoutMs = SCRAPE_TIMEOUT_MS): Promise<{ worker: WorkerRecord; metrics: unknown[] }[]> {
  const workers = a.workers().filter((w) => w.state !== 'booting')
  const replies = await Promise.all(workers.map((w) =>
    request<Extract<WorkerMessage, { type: 'metrics' }>>(w.process, { type: 'collect-metrics' }, timeoutMs)))
  return workers.flatMap((worker, i) => (replies[i] ? [{ worker, metrics: replies[i].metrics }] : []))
}

export async function collectMetrics(a: Arbiter): Promise<{ text: string; contentType: string }> {
  // prom-client (about 240 ms and 12 MB for it and its dependencies) is loaded at the first scrape, not at boot.
  const [{ exposition }, { registry }] = await Promise.all([import('../metrics/aggregate.js'), import('../metrics/registry.js')])
  return exposition((await collectWorkerMetrics(a)).map((r) => r.metrics), registry)
}

/** A handler for the paths the admin table does not know; it answers false to let a 404 go out. */
export type MoreRoutes = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>

const reply = (res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8') => {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' })
  res.end(body)
}

export interface Admin { address: string; server: Server; close(): Promise<void> }

/** `fd`: a listening socket handed over (systemd's socket named "admin", or the master before), used instead of binding. */
export async function startAdmin(a: Arbiter, bind: BindAddress, log: Logger, more?: MoreRoutes, fd?: number): Promise<Admin> {
  let stopping = false
  a.once('stopping', () => { stopping = true })
  if (a.settings.metrics) arbiterMetrics(a)
  const routes: Record<string, (res: ServerResponse) => void | Promise<void>> = {
    '/healthz': (res) => reply(res, 200, 'ok\n'),
    '/readyz': (res) => {
      const ready = a.ready().length
      const ok = !stopping && a.state === 'running' && ready >= a.settings.minReady
      reply(res, ok ? 200 : 503, ok ? `ready: ${ready} workers\n` : stopping ? 'stopping\n' : `not ready: ${ready} of ${a.settings.minReady} workers ready\n`)
    },
    '/metrics': async (res) => {
      if (!a.settings.metrics) return reply(res, 404, 'metrics are off (--no-metrics)\n')
      const { text, contentType } = await collectMetrics(a)
      reply(res, 200, text, contentType)
    },
    '/status': (res) => reply(res, 200, JSON.stringify(status(a), null, 2) + '\n', 'application/json'),
  }
  const notFound = (res: ServerResponse) => reply(res, 404, 'not found: try /healthz /readyz /metrics /status\n')
  const server = http.createServer((req, res) => {
    const route = routes[(req.url ?? '/').split('?')[0]]
    const answer = route ? route(res) : more ? Promise.resolve(more(req, res)).then((done) => { if (!done) notFound(res) }) : notFound(res)
    Promise.resolve(answer).catch((err) => {
      log.error({ err }, 'admin endpoint failed')
      if (!res.headersSent) reply(res, 500, 'internal error\n')
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(corralError('CORRAL_ERR_BIND', `admin ${describeBind(bind)}`, err.message)))
    if (fd !== undefined) server.listen({ fd }, resolve)
    else if (bind.kind === 'unix') server.listen(bind.path, resolve)
    else server.listen(bind.port, bind.host, resolve)
  })
  const addr = server.address()
  const address = typeof addr === 'object' && addr ? describeBind({ kind: 'tcp', host: addr.address, port: addr.port }) : typeof addr === 'string' ? `unix:${addr}` : describeBind(bind)
  return {
    address,
    server,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}
