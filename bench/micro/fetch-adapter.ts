/**
 * What the fetch adapter's lazy Request and light Response save: a node:http server answering
 * hello three ways, one at a time, each loaded by autocannon for a few seconds in this process.
 *   node --import tsx bench/micro/fetch-adapter.ts
 * plain: res.end() · native: a real Request and Response per request · corral: lazyRequest + LightResponse
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import autocannon from 'autocannon'
import { lazyRequest } from '../../src/app/lazy-request.js'
import { LightResponse } from '../../src/app/light-response.js'
import { natives } from '../../src/app/web-classes.js'
import { writeResponse } from '../../src/app/fetch.js'
import type { RequestContext } from '../../src/app/types.js'

const ctx = { protocol: 'http', signal: new AbortController().signal } as unknown as RequestContext
const handlers: Record<string, (req: IncomingMessage, res: ServerResponse) => unknown> = {
  plain: (_req, res) => { res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 13 }); res.end('Hello, World!') },
  native: async (req, res) => {
    const h = new Headers()
    for (let i = 0; i < req.rawHeaders.length; i += 2) h.append(req.rawHeaders[i], req.rawHeaders[i + 1])
    new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers: h })
    await writeResponse(res, new (natives().Response)('Hello, World!', { headers: { 'content-type': 'text/plain' } }))
  },
  corral: async (req, res) => {
    lazyRequest(req, ctx)
    await writeResponse(res, new LightResponse('Hello, World!', { headers: { 'content-type': 'text/plain' } }) as unknown as Response)
  },
}

for (const [name, handler] of Object.entries(handlers)) {
  const server = createServer(handler).listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  const { port } = server.address() as AddressInfo
  const result = await autocannon({ url: `http://127.0.0.1:${port}/`, connections: 20, duration: 4 })
  console.log(`${name.padEnd(8)} ${Math.round(result.requests.average)} req/s`)
  server.close()
}
