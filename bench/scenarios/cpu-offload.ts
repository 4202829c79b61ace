/**
 * Scenario `cpu-offload`: an async handler offloads the PBKDF2 work of scenario `cpu` (about 20 ms
 * per request) to the worker's thread pool, while a light route, /hello, is served at the same
 * time. The figures are the heavy route's throughput and the light route's p99: whether CPU work
 * starves the requests that need none. The threads worker class and the Python anchors serve the
 * same two routes from bench/scenarios/cpu-mixed.ts and scenarios.py.
 */
import { offloadModule, prepareOffload } from 'corral/io'

const iterations = Number(process.env.BENCH_CPU_ITERATIONS ?? 100_000)
const task = new URL('./cpu-offload-task.ts', import.meta.url)
const work = offloadModule<{ pbkdf2(iterations: number): string }>(task)

/** Every thread imports the task before the worker is ready, as a production app would. */
export async function ready(): Promise<void> {
  await prepareOffload(task)
}

export default {
  async fetch(request: Request, ctx: { signal: AbortSignal }): Promise<Response> {
    if (request.url.endsWith('/hello')) return new Response('Hello, World!', { headers: { 'content-type': 'text/plain' } })
    const key = await work.pbkdf2([iterations], { signal: ctx.signal })
    return Response.json({ key })
  },
}
