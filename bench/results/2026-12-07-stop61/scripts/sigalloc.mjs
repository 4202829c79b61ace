// node sigalloc.mjs VARIANT ROOT — bytes allocated per fan-out (3 undici calls under one signal), 500 at once
import v8 from 'node:v8'
const [variant, root] = process.argv.slice(2)
const { LightSignal } = await import(`${root}/dist/io/light-signal.js`)
const { Agent, request } = await import(`${root}/node_modules/undici/index.js`)
const upstream = process.env.BENCH_UPSTREAM
const agent = new Agent({ connections: 3000, keepAliveTimeout: 30000 })
class Store { aborted = false; reason = undefined; list = []
  addEventListener(_t, l) { this.list.push(l) }
  removeEventListener(_t, l) { const i = this.list.indexOf(l); if (i >= 0) { this.list[i] = this.list[this.list.length - 1]; this.list.pop() } } }
const make = { none: () => undefined, store: () => new Store(), light: () => new LightSignal(), native: () => new AbortController().signal }[variant]
async function call(path, signal) {
  const res = await request(`${upstream}${path}?ms=20`, signal ? { dispatcher: agent, signal } : { dispatcher: agent })
  return res.body.json()
}
async function fan() { const s = make(); await Promise.all([call('/user', s), call('/orders', s), call('/products', s)]) }
async function run(n) { let left = n; const worker = async () => { while (left-- > 0) await fan() }; await Promise.all(Array.from({ length: 500 }, worker)) }
await run(20000)
const a = v8.getHeapStatistics().total_allocated_bytes; const t = process.cpuUsage()
await run(30000)
const b = v8.getHeapStatistics().total_allocated_bytes; const c = process.cpuUsage(t)
console.log(variant, root.split('/').pop(), Math.round((b - a) / 30000), 'B/fan', ((c.user + c.system) / 30000).toFixed(1), 'us cpu/fan')
await agent.close()
