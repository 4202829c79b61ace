/**
 * fanout.ts with a check for retention (stop 61): every 3 s it runs a full GC (start the server with
 * --expose-gc) and counts the Exchanges and signals of requests that ended over a second ago still alive.
 * RET_SIGNAL=1 hands ctx.signal to undici, 0 does not.
 */
import { Agent, request } from 'undici'
const upstream = process.env.BENCH_UPSTREAM!
const agent = new Agent({ connections: 3000, keepAliveTimeout: 30_000 })
const usesSignal = process.env.RET_SIGNAL === '1'
async function call(path: string, signal: AbortSignal | undefined): Promise<unknown> {
  const res = await request(`${upstream}${path}?ms=300`, signal ? { dispatcher: agent, signal } : { dispatcher: agent })
  return res.body.json()
}
const done: [number, WeakRef<object>, WeakRef<object>][] = []
let n = 0
setInterval(() => {
  const now = Date.now()
  ;(globalThis as any).gc()
  let alive = 0, sig = 0, old = 0
  for (const [at, ex, s] of done) if (now - at > 1000) { old++; if (ex.deref()) alive++; if (s.deref()) sig++ }
  process.stderr.write(`pid ${process.pid} finished>1s ${old} exchanges alive ${alive} signals alive ${sig} (served ${n})\n`)
  done.length = 0
}, 3000).unref()
export default {
  async fetch(_r: Request, ctx: { signal: AbortSignal }): Promise<Response> {
    const s = ctx.signal
    const out = await Promise.all([call('/user', usesSignal ? s : undefined), call('/orders', usesSignal ? s : undefined), call('/products', usesSignal ? s : undefined)])
    n++
    queueMicrotask(() => setTimeout(() => done.push([Date.now(), new WeakRef(ctx), new WeakRef(s)]), 0))
    return Response.json({ out })
  },
}
