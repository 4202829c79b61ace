/**
 * What handing a signal to undici's `request` costs per call, in the client's CPU, against the
 * upstream simulator answering at once (a separate process group). Three calls at once per
 * "request", as the fanout scenario makes; C such requests in flight; modes alternate in blocks
 * so the VM's drifting speed falls on all of them:
 *   node --import tsx bench/micro/undici-signal.ts [blocks] [requests per block]
 * Modes: none (no signal), native (an AbortController's signal per request), light (a LightSignal
 * per request, as ctx.signal is).
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Agent, request } from 'undici'
import { LightSignal } from '../../src/io/light-signal.js'
import { freePort } from '../../src/net/free-port.js'

const blocks = Number(process.argv[2] ?? 6)
const perBlock = Number(process.argv[3] ?? 4000)
const C = 50
const port = await freePort()
const simulator = fileURLToPath(new URL('../upstream/simulator.cjs', import.meta.url))
const sim = spawn(process.execPath, [simulator], { env: { ...process.env, PORT: String(port), BENCH_UPSTREAM_PROCESSES: '1' }, stdio: ['ignore', 'pipe', 'inherit'] })
await new Promise<void>((ok) => sim.stdout!.on('data', (d: Buffer) => { if (String(d).includes('ready')) ok() }))
const agent = new Agent({ connections: 3 * C, keepAliveTimeout: 30_000 })
const base = `http://127.0.0.1:${port}`

async function call(path: string, signal: AbortSignal | undefined): Promise<unknown> {
  const res = await request(`${base}${path}?ms=0`, { dispatcher: agent, signal })
  return res.body.json()
}
const makers: Record<string, () => AbortSignal | undefined> = {
  none: () => undefined,
  native: () => new AbortController().signal,
  light: () => new LightSignal(),
}
async function block(mode: string): Promise<number> {
  let left = perBlock
  const make = makers[mode]!
  const t0 = process.cpuUsage()
  await Promise.all(Array.from({ length: C }, async () => {
    while (left-- > 0) {
      const s = make()
      await Promise.all([call('/user', s), call('/orders', s), call('/products', s)])
    }
  }))
  const t = process.cpuUsage(t0)
  return (t.user + t.system) / perBlock
}
const out: Record<string, number[]> = { none: [], native: [], light: [] }
await block('none'); await block('light'); await block('native')
for (let b = 0; b < blocks; b++) for (const m of Object.keys(out)) out[m]!.push(await block(m))
const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!
console.log(`Node ${process.version}, ${blocks} blocks of ${perBlock} requests (3 calls each), µs of client CPU per request`)
for (const [m, v] of Object.entries(out)) console.log(`${m.padEnd(7)} median ${med(v).toFixed(1)}  [${v.map((x) => x.toFixed(0)).join(' ')}]`)
sim.kill('SIGTERM')
await agent.close()
