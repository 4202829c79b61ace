/**
 * What a handler's first header lookup costs: a real Headers built from a request's rawHeaders
 * (what the fetch adapter did) against LazyHeaders (src/app/lazy-headers.ts), for a request with
 * the four headers wrk sends the shop's product page. Alternating rounds in one process; run it
 * on each Node:
 *   node --import tsx bench/micro/request-headers.ts
 *   /work/node-versions/n26/node_modules/.bin/node --import tsx bench/micro/request-headers.ts
 */
import { cpus, loadavg } from 'node:os'
import { LazyHeaders } from '../../src/app/lazy-headers.js'

const raw = ['Host', '127.0.0.1:8080', 'X-User-Id', '42', 'User-Agent', 'wrk', 'Accept', '*/*']
const ways: Record<string, () => string | null> = {
  'real Headers, then get': () => {
    const h = new Headers()
    for (let i = 0; i < raw.length; i += 2) h.append(raw[i]!, raw[i + 1]!)
    return h.get('x-user-id')
  },
  'LazyHeaders, then get': () => (new LazyHeaders(raw) as unknown as Headers).get('x-user-id'),
}

const N = 100_000
const times: Record<string, number[]> = {}
let sink = 0
for (let round = 0; round < 7; round++) {
  for (const [name, fn] of Object.entries(ways)) {
    const started = performance.now()
    for (let i = 0; i < N; i++) if (fn() !== null) sink++
    ;(times[name] ??= []).push(((performance.now() - started) * 1000) / N)
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
console.log(`Node ${process.versions.node}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (${sink} lookups)`)
for (const [name, t] of Object.entries(times)) console.log(`${name.padEnd(24)} ${median(t).toFixed(3)} µs (median of ${t.length} rounds of ${N})`)
