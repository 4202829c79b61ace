'use strict'
/**
 * The scenarios as plain node:http handlers, for the anchors that run a Node listener (plain
 * node:cluster and PM2). They do the same work as bench/scenarios/*.ts with nothing in between:
 * what a team writes by hand when it has no application server. Settings come from the same
 * BENCH_* environment the runner gives every server.
 */
const { pbkdf2Sync } = require('node:crypto')
const { Agent, request } = require('undici')

const upstream = process.env.BENCH_UPSTREAM ?? 'http://127.0.0.1:9400'
const delayMs = Number(process.env.BENCH_DELAY_MS ?? 300)
const iterations = Number(process.env.BENCH_CPU_ITERATIONS ?? 100_000)

const send = (res, type, body) => {
  res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

let agent
const upstreamAgent = () => (agent ??= new Agent({
  connections: Number(process.env.BENCH_UPSTREAM_CONNECTIONS ?? 1024),
  keepAliveTimeout: 30_000,
}))

async function call(path) {
  const res = await request(`${upstream}${path}?ms=${delayMs}`, { dispatcher: upstreamAgent() })
  return res.body.json()
}

const fanout = (_req, res) => {
  Promise.all([call('/user'), call('/orders'), call('/products')]).then(
    ([user, orders, products]) =>
      send(res, 'application/json', JSON.stringify({ status: 'ok', count: 3, user, orders, products })),
    (err) => {
      res.writeHead(502, { 'content-type': 'text/plain' })
      res.end(String(err?.code ?? err))
    },
  )
}

let product

/** scenario name → (req, res) handler */
module.exports = {
  hello: (_req, res) => send(res, 'text/plain', 'Hello, World!'),
  json: (_req, res) => send(res, 'application/json', JSON.stringify({ message: 'Hello, World!' })),
  cpu: (_req, res) => {
    const key = pbkdf2Sync('corral', 'bench', iterations, 32, 'sha256')
    send(res, 'application/json', JSON.stringify({ key: key.toString('hex') }))
  },
  // cpu-offload's two routes with the PBKDF2 on the event loop: what a Node server does without a pool.
  'cpu-offload': (req, res) => {
    if (req.url === '/hello') return send(res, 'text/plain', 'Hello, World!')
    const key = pbkdf2Sync('corral', 'bench', iterations, 32, 'sha256')
    send(res, 'application/json', JSON.stringify({ key: key.toString('hex') }))
  },
  fanout,
  // The same fan-out: corral's fanout-io writes it with corral/io, a team without corral like this.
  'fanout-io': fanout,
  // Loaded on first use: only the product scenario opens a database pool.
  product: (req, res) => (product ??= require('./product.cjs'))(req, res),
}
