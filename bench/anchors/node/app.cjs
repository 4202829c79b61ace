'use strict'
/**
 * One Node process serving BENCH_SCENARIO on 127.0.0.1:PORT with node:http. PM2 runs this file in
 * cluster mode (`-i N`); cluster.cjs forks it for the plain node:cluster anchor.
 */
const http = require('node:http')
const handlers = require('./handlers.cjs')

const scenario = process.env.BENCH_SCENARIO ?? 'hello'
const handler = handlers[scenario]
if (handler === undefined) {
  console.error(`unknown BENCH_SCENARIO ${JSON.stringify(scenario)}; known: ${Object.keys(handlers).join(', ')}`)
  process.exit(2)
}

// BENCH_H2C=1: the same handler over node:http2's compatibility API, cleartext by prior knowledge
// (bench/protocols.ts compares corral's HTTP/2 with Node's own).
const server = process.env.BENCH_H2C === '1' ? require('node:http2').createServer(handler) : http.createServer(handler)
// Same keep-alive as the other servers get, longer than the load generators' idle gaps.
server.keepAliveTimeout = 20_000
// corral's default --backlog (2048, Gunicorn's), not Node's 511: wrk's thousand connections at once
// overflowed 511 (53 SYNs retransmitted a second later), and the anchors are compared for their
// request path, not for a queue length.
server.listen({ port: Number(process.env.PORT ?? 8000), host: process.env.HOST ?? '127.0.0.1', backlog: 2048 })
process.on('SIGTERM', () => server.close(() => process.exit(0)))
process.on('SIGINT', () => process.exit(0))
