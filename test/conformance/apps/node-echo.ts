/** The conformance echo app as a Node (req, res) listener: what the app saw, as JSON. */
import type { IncomingMessage, ServerResponse } from 'node:http'

export default async function echo(req: IncomingMessage, res: ServerResponse) {
  let body = ''
  for await (const chunk of req) body += chunk
  const json = JSON.stringify({ method: req.method, target: req.url, host: req.headers.host, body, xEcho: req.headers['x-echo'] ?? null })
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) })
  res.end(json)
}
