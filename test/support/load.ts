/**
 * A bounded request loop for tests that need traffic during an event (reload, recycle, stop):
 * `concurrency` loops send requests over keep-alive connections until `stop()` or `maxRequests`
 * or `maxMs`, whichever comes first, and count every outcome. Traffic goes to loopback only.
 */
import { Agent, request } from 'undici'

export interface LoadResult { ok: number; statuses: Record<number, number>; errors: Record<string, number>; sent: number }

/** `newConnectionEach`: every request opens a connection of its own (the accept path under test, not keep-alive). */
export function load(url: string, { concurrency = 10, maxRequests = 20_000, maxMs = 30_000, newConnectionEach = false } = {}) {
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 4000, ...(newConnectionEach ? { maxRequestsPerClient: 1 } : {}) })
  const result: LoadResult = { ok: 0, statuses: {}, errors: {}, sent: 0 }
  let stopped = false
  const started = Date.now()
  const loop = async () => {
    while (!stopped && result.sent < maxRequests && Date.now() - started < maxMs) {
      result.sent++
      try {
        const res = await request(url, { dispatcher: agent, headersTimeout: 10_000, bodyTimeout: 10_000 })
        await res.body.text()
        result.statuses[res.statusCode] = (result.statuses[res.statusCode] ?? 0) + 1
        if (res.statusCode === 200) result.ok++
      } catch (err) {
        const code = (err as { code?: string }).code ?? (err as Error).message
        result.errors[code] = (result.errors[code] ?? 0) + 1
      }
    }
  }
  const loops = Promise.all(Array.from({ length: concurrency }, loop))
  return {
    result,
    async stop(): Promise<LoadResult> {
      stopped = true
      await loops
      await agent.close()
      return result
    },
  }
}
