/**
 * What the shop's product page asks of the memory cache, per call: a hit on a product row (an
 * object), a hit on a stock count (a number), and a miss that loads a count and stores it. This
 * tree's memoryCache against another checkout's (--baseline DIR, its src/ through tsx), alternating
 * rounds in one process. Then the timers each one arms for 200 hits 2 ms apart, as a page's reads
 * come in a served worker (lru-cache's ttl clock arms one on a read more than 1 ms after the last,
 * which a tight loop never shows). Run it on each Node:
 *   node --import tsx bench/micro/memory-cache.ts --baseline /work/main
 *   /work/node-versions/n26/node_modules/.bin/node --import tsx bench/micro/memory-cache.ts --baseline /work/main
 */
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type { Cache } from '../../src/io/cache/cache.js'
import { memoryCache } from '../../src/io/cache/memory.js'

const { values: a } = parseArgs({ options: { baseline: { type: 'string' } } })
const caches: Record<string, Cache> = { 'this tree': memoryCache({ name: 'micro', maxEntries: 20_000, peers: false }) }
if (a.baseline) {
  const other = await import(pathToFileURL(join(a.baseline, 'src/io/cache/memory.ts')).href) as { memoryCache: typeof memoryCache }
  caches[`baseline ${a.baseline}`] = other.memoryCache({ name: 'micro-baseline', maxEntries: 20_000, peers: false })
}

const row = { id: 42, name: 'Product 42', description: 'A fine product, number 42 of the catalog, described at some length for the page.', listPrice: 19.99 }
let fresh = 0
const ops: Record<string, (c: Cache) => Promise<unknown>> = {
  'hit, product row': (c) => c.getOrSet('product:42', 30_000, () => row, { staleMs: 30_000 }),
  'hit, stock count': (c) => c.getOrSet('stock:42', 30_000, () => 7),
  'miss, load and store a count': (c) => c.getOrSet(`stock:${++fresh}`, 2_000, () => 7),
}

const N = 50_000
const times: Record<string, number[]> = {}
for (let round = 0; round < 7; round++) {
  for (const [op, fn] of Object.entries(ops)) {
    for (const [name, cache] of Object.entries(caches)) {
      const started = performance.now()
      for (let i = 0; i < N; i++) await fn(cache)
      ;(times[`${op} · ${name}`] ??= []).push(((performance.now() - started) * 1000) / N)
    }
  }
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!
console.log(`Node ${process.versions.node}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
for (const [name, t] of Object.entries(times)) console.log(`${name.padEnd(60)} ${median(t).toFixed(3)} µs (median of ${t.length} rounds of ${N})`)

// Timers armed per hit when hits come 2 ms apart.
const realSetTimeout = globalThis.setTimeout
let armed = 0
globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => { armed++; return realSetTimeout(...args) }) as typeof setTimeout
for (const [name, cache] of Object.entries(caches)) {
  await cache.getOrSet('stock:paced', 60_000, () => 7)
  let counted = 0
  for (let i = 0; i < 500; i++) {
    await new Promise((resolve) => realSetTimeout(resolve, 2))
    const before = armed
    await cache.getOrSet('stock:paced', 60_000, () => 7)
    counted += armed - before
  }
  console.log(`${`timers armed per hit, hits 2 ms apart · ${name}`.padEnd(60)} ${(counted / 500).toFixed(2)}`)
}
globalThis.setTimeout = realSetTimeout
for (const c of Object.values(caches)) await c.close()
