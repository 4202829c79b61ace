/**
 * The answer to a request the worker will not run: 503 with Retry-After, written before any app
 * code and before the body is read. Its headers are made once; the body names the limit, as the
 * error registry's CORRAL_ERR_OVERLOADED says it.
 */
import type { ServerResponse } from 'node:http'
import { codes } from '../errors.js'

const template = codes.CORRAL_ERR_OVERLOADED.message

export function shedBody(limit: number): string {
  return `${template.replace('%d', String(limit))}\n`
}

export function shedResponse(res: ServerResponse, limit: number): void {
  const body = shedBody(limit)
  res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), 'retry-after': '1' })
  res.end(body)
}
