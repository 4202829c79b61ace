/**
 * The seed's 3-call fan-out (user, orders, products) through gather(), with corral's upstream
 * client versus global fetch and versus undici's own request() (what the node:cluster anchor of
 * bench/anchors/node/handlers.cjs calls), against a local upstream server in a child process (so the server
 * does not share this event loop). Prints fan-outs per second per client, the median of several
 * alternating runs, and the ratio.
 *
 *   node --import tsx bench/micro/upstream-vs-fetch.ts [--runs 5] [--seconds 3] [--concurrency 50]
 *   (run it with each Node: on Node 26 undici's request() got faster than on Node 20 and corral's client did not, stop 47)
 *
 * Loopback only; every loop is bounded by the run's duration.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Agent, request } from 'undici'
import { gather } from '../../src/io/fanout.js'
import { upstream } from '../../src/io/upstream.js'

const paths = { user: '/api/user/123', orders: '/api/orders?user=123', products: '/api/products' }
const bodies: Record<string, string> = {
  '/api/user/123': JSON.stringify({ id: 123, name: 'Ada' }),
  '/api/orders?user=123': JSON.stringify([{ id: 1, total: 9.5 }, { id: 2, total: 20 }]),
  '/api/products': JSON.stringify(Array.from({ length: 10 }, (_, i) => ({ id: i, name: `p${i}`, price: i * 1.5 }))),
}

async function serve(): Promise<void> {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(bodies[req.url ?? ''] ?? '{}')
  })
  server.keepAliveTimeout = 30_000
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify(server.address())}\n`))
  process.stdin.resume()
  process.stdin.on('end', () => process.exit(0))  // the parent went away: do not outlive it
}

type Get = (path: string, signal: AbortSignal) => Promise<unknown>

/** Runs `concurrency` loops of fan-outs for `ms`; returns completed fan-outs per second. */
async function measure(get: Get, ms: number, concurrency: number): Promise<number> {
  const stopAt = performance.now() + ms
  let done = 0
  const loop = async () => {
    while (performance.now() < stopAt) {
      const out = await gather(undefined, {
        user: { run: (s) => get(paths.user, s), timeoutMs: 2000 },
        orders: { run: (s) => get(paths.orders, s), timeoutMs: 2000 },
        products: { run: (s) => get(paths.products, s), timeoutMs: 2000 },
      })
      if (!out.user.ok || !out.orders.ok || !out.products.ok) throw new Error('a call failed during the benchmark')
      done++
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, loop))
  return done / ((performance.now() - started) / 1000)
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function main(): Promise<void> {
  const { values: args } = parseArgs({ options: {
    runs: { type: 'string', default: '5' }, seconds: { type: 'string', default: '3' }, concurrency: { type: 'string', default: '50' },
  } })
  const runs = Number(args.runs)
  const ms = Number(args.seconds) * 1000
  const concurrency = Number(args.concurrency)

  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'serve'], { stdio: ['pipe', 'pipe', 'inherit'] })
  const [line] = await once(child.stdout!, 'data') as [Buffer]
  const origin = `http://127.0.0.1:${JSON.parse(line.toString()).port}`

  const client = upstream({ name: 'bench', origin, connections: concurrency * 3, timeoutMs: 2000 })
  const agent = new Agent({ connections: concurrency * 3 })
  const clients: Record<string, Get> = {
    'corral upstream': (path, signal) => client.json(path, { signal }),
    'global fetch': async (path, signal) => (await fetch(origin + path, { signal })).json(),
    'undici request': async (path, signal) => (await request(origin + path, { dispatcher: agent, signal })).body.json(),
  }
  const results: Record<string, number[]> = Object.fromEntries(Object.keys(clients).map((k) => [k, []]))
  for (const get of Object.values(clients)) await measure(get, 500, concurrency)  // warm up pools and JIT
  for (let run = 0; run < runs; run++) {
    for (const [name, get] of Object.entries(clients)) results[name]!.push(await measure(get, ms, concurrency))
  }
  await client.close()
  await agent.close()
  child.stdin!.end()

  console.log(`node ${process.version}, ${runs} runs x ${ms / 1000}s, ${concurrency} fan-outs in flight, 3 calls each`)
  for (const [name, xs] of Object.entries(results)) {
    console.log(`${name.padEnd(16)} median ${median(xs).toFixed(0).padStart(7)} fan-outs/s   runs: ${xs.map((x) => x.toFixed(0)).join(', ')}`)
  }
  const corral = median(results['corral upstream']!)
  const ratio = (other: string) => (corral / median(results[other]!)).toFixed(2)
  console.log(`ratio corral/fetch: ${ratio('global fetch')}x, corral/undici request: ${ratio('undici request')}x`)
}

if (process.argv[2] === 'serve') await serve()
else await main()
