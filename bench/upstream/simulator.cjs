'use strict'
/**
 * The upstream simulator for the fanout scenario: answers every request after `?ms=` milliseconds
 * (capped at 10 s) with a small JSON body. It runs as a node:cluster of BENCH_UPSTREAM_PROCESSES
 * processes (default 2) so a single event loop is never what caps the server under test; the
 * runner reads the group's CPU from /proc during each run and reports it next to the result.
 *
 * Plain CommonJS and node:http only, so it starts in ~50 ms and needs nothing installed.
 * Prints `ready <port>` on stdout once every process listens.
 */
const cluster = require('node:cluster')
const http = require('node:http')

const port = Number(process.env.PORT ?? 9400)
const processes = Number(process.env.BENCH_UPSTREAM_PROCESSES ?? 2)
const MAX_DELAY_MS = 10_000

if (cluster.isPrimary) {
  let listening = 0
  for (let i = 0; i < processes; i++) {
    cluster.fork().on('listening', () => {
      if (++listening === processes) process.stdout.write(`ready ${port}\n`)
    })
  }
  const stop = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM')
    process.exit(0)
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
} else {
  const body = (path, ms) => JSON.stringify({ path, ms, items: [1, 2, 3] })
  const server = http.createServer((req, res) => {
    const q = req.url.indexOf('?')
    const path = q === -1 ? req.url : req.url.slice(0, q)
    const m = q === -1 ? null : /(?:^|&)ms=(\d+)/.exec(req.url.slice(q + 1))
    const ms = Math.min(m ? Number(m[1]) : 0, MAX_DELAY_MS)
    const answer = () => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(body(path, ms))
    }
    if (ms > 0) setTimeout(answer, ms)
    else answer()
  })
  // Keep-alive well past the clients' idle time, so the server under test never pays a reconnect
  // that the upstream chose.
  server.keepAliveTimeout = 60_000
  server.headersTimeout = 61_000
  server.listen(port, '127.0.0.1')
}
