'use strict'
/**
 * The plain node:cluster anchor: a primary forks BENCH_WORKERS processes running app.cjs, and
 * Node's cluster module hands them connections (round-robin on Linux). No supervision beyond
 * that: it is the baseline a server has to beat to be worth its weight.
 */
const cluster = require('node:cluster')
const path = require('node:path')

const workers = Number(process.env.BENCH_WORKERS ?? 2)
cluster.setupPrimary({ exec: path.join(__dirname, 'app.cjs') })
for (let i = 0; i < workers; i++) cluster.fork()

const stop = () => {
  for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM')
  setTimeout(() => process.exit(0), 2000).unref()
  cluster.disconnect(() => process.exit(0))
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
