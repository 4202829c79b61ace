/**
 * The adapter for a Fastify instance. Fastify owns routing, body parsing and its own error
 * handling; corral gives it the raw request through `routing`, after `ready()` has run its plugins.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestContext, Serve } from './types.js'

export interface FastifyLike {
  ready(): PromiseLike<unknown>
  routing(req: IncomingMessage, res: ServerResponse): void
  close(): PromiseLike<unknown>
}

export const isFastify = (value: unknown): value is FastifyLike =>
  typeof value === 'object' && value !== null
  && typeof (value as FastifyLike).routing === 'function'
  && typeof (value as FastifyLike).ready === 'function'
  && typeof (value as FastifyLike).close === 'function'

export async function fastifyAdapter(app: FastifyLike): Promise<Serve> {
  await app.ready()
  return (req, res, ctx: RequestContext) => {
    ;(req as IncomingMessage & { corral?: RequestContext }).corral = ctx
    app.routing(req, res)
  }
}
