/**
 * The threads worker class (Gunicorn's gthread, for CPU-heavy handlers): the process's main
 * thread parses HTTP and hands each request to a pool of worker threads (threads/pool.ts, the pool
 * offload() runs on too), so one CPU-heavy request does not block the process's other requests.
 * Only fetch handlers can run this way; a Node listener needs the real socket, which cannot cross
 * into a thread.
 */
import type { IncomingMessage } from 'node:http'
import { fileURLToPath } from 'node:url'
import { failRequest } from '../app/fail.js'
import type { RequestContext, Serve } from '../app/types.js'
import { ThreadPool } from '../threads/pool.js'
import type { ThreadRequest, ThreadResponse } from './thread.js'

async function readBody(req: IncomingMessage): Promise<Uint8Array | null> {
  if (req.method === 'GET' || req.method === 'HEAD') return null
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return chunks.length ? new Uint8Array(Buffer.concat(chunks)) : null
}

export function threadPool(app: string, threads: number): { serve: Serve; close(): Promise<void>; warm(): Promise<void> } {
  const pool = new ThreadPool({
    filename: fileURLToPath(new URL('./thread.js', import.meta.url)),
    threads,
    // The worker's admission (overload/) already bounds the requests in flight (--worker-connections).
    maxQueue: Infinity,
    // A request whose client left or whose deadline passed frees its thread at once: the handler
    // in it cannot be told to stop, and the app is loaded again in the new thread.
    abandonMs: 0,
  })
  const serve: Serve = async (req, res, ctx: RequestContext) => {
    let reply: ThreadResponse
    try {
      const raw = req.rawHeaders
      const headers: [string, string][] = []
      for (let i = 0; i < raw.length; i += 2) headers.push([raw[i], raw[i + 1]])
      const task: ThreadRequest = {
        app, method: req.method ?? 'GET', url: `${ctx.protocol}://${req.headers.host ?? 'localhost'}${req.url}`, headers,
        body: await readBody(req), requestId: ctx.requestId, workerId: ctx.workerId, clientIp: ctx.clientIp, protocol: ctx.protocol,
      }
      reply = await pool.run(task, { signal: ctx.signal }) as ThreadResponse
    } catch (err) {
      failRequest(res, ctx, err)
      return
    }
    if (ctx.signal.aborted) return
    const headers: string[] = []
    for (const [name, value] of reply.headers) headers.push(name, value)
    res.writeHead(reply.status, reply.statusText || undefined, headers)
    res.end(req.method === 'HEAD' ? undefined : reply.body)
  }
  return {
    serve,
    close: () => pool.close(),
    // Load the app in every thread before the worker says it is ready: the first requests must not pay for it.
    warm: async () => { await Promise.all(Array.from({ length: threads }, () => pool.run({ app, warmOnly: true, method: 'HEAD', url: 'http://warm.invalid/', headers: [], body: null, requestId: 'warm', workerId: 0, clientIp: '', protocol: 'http' } satisfies ThreadRequest))) },
  }
}
