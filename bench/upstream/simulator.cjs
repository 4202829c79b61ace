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

// Every process accepts for itself (SCHED_NONE), not through the primary's round-robin, which hands
// a process one connection per turn of its event loop: when the server under test jumps from 20 to
// 1,000 connections its pools open some 3,000 connections here at once, and waiting on that hand-off
// was the simulator limiting the benchmark. bench/fanout-overload.ts --connections 20,1000 --modes on,
// Node 20, 2 CPUs, three alternating runs each: goodput 2,141 / 1,804 / 2,371 a second with
// round-robin, 2,535 / 2,405 / 2,419 with SCHED_NONE; p99 3.5-3.8 s against 2.9 s. The connections
// spread evenly (2,116 and 1,904 per process, counted with ss). The shop's simulator does the same
// for the same reason (examples/shop/services/spawn.ts, --balance shared).
cluster.schedulingPolicy = cluster.SCHED_NONE
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
  // A backlog past Node's default 511 (the kernel caps it at net.core.somaxconn). A server whose
  // calls are cancelled when its clients leave (undici given ctx.signal) loses those keep-alive
  // connections at the end of every wrk run and opens a thousand again when the next run starts;
  // with 511, some 1,100 of those connects overflowed the queue and waited for SYN retransmits
  // (1 s and more) in a 10 s window (nstat TcpExtListenOverflows, fanout at 1,000 connections),
  // and the simulator, not the server, set the figure (stop 50, bench/results/2026-12-06-stop50/).
  // BENCH_UPSTREAM_BACKLOG=511 gives the old queue back, to compare.
  server.listen({ port, host: '127.0.0.1', backlog: Number(process.env.BENCH_UPSTREAM_BACKLOG ?? 65535) })
}
