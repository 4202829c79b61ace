/**
 * Does counting request metrics by hand still pay? prom-client's labelled Counter#inc and
 * Histogram#observe against worker/metrics.ts's RequestMetrics#observe, same labels, same buckets.
 *   node --import tsx bench/micro/request-metrics.ts
 */
import { Counter, Histogram, Registry } from 'prom-client'
import { BUCKETS, RequestMetrics } from '../../src/worker/metrics.js'

const N = 2_000_000
const routes = ['/', '/api/products/:id', '/api/orders']
const statuses = [200, 200, 200, 404, 500]

function time(label: string, fn: (i: number) => void): number {
  for (let i = 0; i < 100_000; i++) fn(i) // warm up
  const start = process.hrtime.bigint()
  for (let i = 0; i < N; i++) fn(i)
  const ns = Number(process.hrtime.bigint() - start) / N
  console.log(`${label.padEnd(28)} ${ns.toFixed(0)} ns per request`)
  return ns
}

const registry = new Registry()
const counter = new Counter({ name: 'c', help: 'c', labelNames: ['method', 'status', 'route'], registers: [registry] })
const histogram = new Histogram({ name: 'h', help: 'h', labelNames: ['route'], buckets: [...BUCKETS], registers: [registry] })
const prom = time('prom-client inc + observe', (i) => {
  const route = routes[i % 3]
  counter.labels('GET', String(statuses[i % 5]), route).inc()
  histogram.labels(route).observe((i % 100) / 1000)
})

const mine = new RequestMetrics(() => 0)
const own = time('RequestMetrics.observe', (i) => mine.observe('GET', statuses[i % 5], routes[i % 3], (i % 100) / 1000))
console.log(`ratio: ${(prom / own).toFixed(1)}x`)
