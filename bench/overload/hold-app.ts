/**
 * The app of bench/shed-cost.ts: `/hold` keeps its request until its client leaves (or two minutes
 * pass), so a few of them fill a worker's --worker-connections; every other path is the hello
 * answer, so the same server also gives the CPU of an admitted request beside a shed one.
 */
import { setTimeout as sleep } from 'node:timers/promises'

const HOLD_MS = 120_000

export default {
  async fetch(request: Request, ctx: { signal: AbortSignal }): Promise<Response> {
    if (new URL(request.url).pathname === '/hold') {
      await sleep(HOLD_MS, undefined, { signal: ctx.signal }).catch(() => undefined)
      return new Response('held\n')
    }
    return new Response('Hello, World!', { headers: { 'content-type': 'text/plain' } })
  },
}
