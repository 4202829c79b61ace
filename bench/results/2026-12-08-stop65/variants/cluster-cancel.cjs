'use strict'
/**
 * Plain node:cluster serving the fan-out as bench/anchors/node/handlers.cjs does, plus what ctx.signal gives
 * a corral app: an AbortController a request, aborted when the client leaves before its answer, handed to each
 * undici call so the calls stop with it. What a team without corral writes to get the same cancellation; the
 * anchor itself has none. PORT, BENCH_WORKERS, BENCH_UPSTREAM, BENCH_DELAY_MS and BENCH_UPSTREAM_CONNECTIONS as
 * for the anchor.
 */
const cluster = require('node:cluster')
const http = require('node:http')

if (cluster.isPrimary) {
  for (let i = 0; i < Number(process.env.BENCH_WORKERS ?? 2); i++) cluster.fork()
  process.on('SIGTERM', () => { for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM'); process.exit(0) })
} else {
  const { Agent, request } = require('undici')
  const upstream = process.env.BENCH_UPSTREAM ?? 'http://127.0.0.1:9400'
  const delayMs = Number(process.env.BENCH_DELAY_MS ?? 300)
  const agent = new Agent({ connections: Number(process.env.BENCH_UPSTREAM_CONNECTIONS ?? 1024), keepAliveTimeout: 30_000 })
  const call = async (path, signal) => (await request(`${upstream}${path}?ms=${delayMs}`, { dispatcher: agent, signal })).body.json()
  const server = http.createServer((req, res) => {
    const controller = new AbortController()
    res.on('close', () => { if (!res.writableFinished) controller.abort() })
    const signal = controller.signal
    Promise.all([call('/user', signal), call('/orders', signal), call('/products', signal)]).then(
      ([user, orders, products]) => {
        const body = JSON.stringify({ status: 'ok', count: 3, user, orders, products })
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
        res.end(body)
      },
      (err) => {
        if (res.destroyed) return
        res.writeHead(502, { 'content-type': 'text/plain' })
        res.end(String(err?.code ?? err))
      },
    )
  })
  server.keepAliveTimeout = 20_000
  server.listen({ port: Number(process.env.PORT ?? 8000), host: '127.0.0.1', backlog: 2048 })
  process.on('SIGTERM', () => server.close(() => process.exit(0)))
}
