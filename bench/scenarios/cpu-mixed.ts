/**
 * The two routes of scenario `cpu-offload` with the PBKDF2 done in the handler itself: what the
 * threads worker class runs (its handlers already run on threads). / burns about 20 ms of CPU;
 * /hello answers at once.
 */
import { pbkdf2Sync } from 'node:crypto'

const iterations = Number(process.env.BENCH_CPU_ITERATIONS ?? 100_000)

export default {
  fetch(request: Request): Response {
    if (request.url.endsWith('/hello')) return new Response('Hello, World!', { headers: { 'content-type': 'text/plain' } })
    const key = pbkdf2Sync('corral', 'bench', iterations, 32, 'sha256')
    return Response.json({ key: key.toString('hex') })
  },
}
